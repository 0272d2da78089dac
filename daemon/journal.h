/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The svm-cxld state journal: what the daemon set out to do to each device set and how
 * far it got, so that a restart after a crash at any point finishes or undoes the step
 * instead of redoing or forgetting it.
 *
 * The journal is one JSON file, replaced atomically on every change (write a temporary
 * file, fsync it, rename it over the old one, fsync the directory). A reader therefore
 * sees either the state before a change or the state after it, never a mix, whenever
 * the writer dies. Entries are keyed by the serial numbers of the memdevs they cover,
 * because region and memdev names are not stable across teardown and re-enumeration.
 */
#ifndef SVM_CXL_JOURNAL_H
#define SVM_CXL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define SVM_JOURNAL_VERSION	1
#define SVM_JOURNAL_MAX_DEVS	16

enum svm_journal_phase {
	SVM_PHASE_INVALID = 0,
	SVM_PHASE_ASSEMBLING,	/* creating the region over the memdevs */
	SVM_PHASE_ONLINING,	/* region exists, being brought up in .mode */
	SVM_PHASE_ONLINE,	/* done */
	SVM_PHASE_OFFLINING,	/* being taken down for removal */
	SVM_PHASE_OFFLINE,	/* memory released; region may be destroyed */
};

struct svm_journal_entry {
	uint64_t serials[SVM_JOURNAL_MAX_DEVS];	/* sorted ascending */
	unsigned int nr_serials;
	char region[32];	/* "region0", or "" before assembly */
	char mode[16];		/* policy mode name: coherent, numa, devdax, ignore */
	char zone[16];		/* numa: movable or normal; "" otherwise */
	char rule[64];		/* policy rule that decided, or "defaults" */
	enum svm_journal_phase phase;
	uint64_t generation;	/* journal generation of the last change to this entry */
};

struct svm_journal;

/* Open (and load) DIR/state.json; a missing file is an empty journal. A file that does
 * not parse is an error: the daemon must not forget what it did on a whim. */
int svm_journal_open(const char *dir, struct svm_journal **out, char *err, size_t errlen);
void svm_journal_close(struct svm_journal *j);

/* Insert or replace the entry with the same serial set, and commit. */
int svm_journal_put(struct svm_journal *j, const struct svm_journal_entry *entry);
/* Drop the entry for this serial set (no-op if absent), and commit. */
int svm_journal_drop(struct svm_journal *j, const uint64_t *serials, unsigned int nr);

const struct svm_journal_entry *svm_journal_find(const struct svm_journal *j,
						 const uint64_t *serials, unsigned int nr);
size_t svm_journal_count(const struct svm_journal *j);
const struct svm_journal_entry *svm_journal_at(const struct svm_journal *j, size_t i);
/* Incremented by every commit; persisted. */
uint64_t svm_journal_generation(const struct svm_journal *j);

const char *svm_journal_phase_name(enum svm_journal_phase phase);

#endif /* SVM_CXL_JOURNAL_H */
