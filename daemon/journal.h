/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The svm-cxld state journal: what the daemon set out to do to each device set and how
 * far it got, so that a restart after a crash at any point finishes or undoes the step
 * instead of redoing or forgetting it.
 *
 * The journal is one JSON file, replaced atomically on every change (write a temporary
 * file, fsync it, rename it over the old one, fsync the directory). A reader therefore
 * sees either the state before a change or the state after it, never a mix, whenever
 * the writer dies. Entries are keyed by the identities of the memdevs they cover,
 * because region and memdev names are not stable across teardown and re-enumeration.
 *
 * A memdev's identity is (serial, host): its Device Serial Number and the PCI address of
 * its device. The serial alone is not unique: devices without a DSN report 0 (QEMU's
 * cxl-type3 without sn=, some real parts), and cloned parts share one. The PCI address
 * alone follows the slot, not the device. Together they are unique at any one time, and
 * stable for a device that stays in its slot. A journal written before hosts were
 * recorded has "" hosts, which match any host (by serial alone).
 *
 * An entry's region is the one instance it journaled (region_id, the library's
 * svm_region_get_instance()): a region destroyed and created again over the same
 * devices, by the operator say, is someone else's, whatever its name and range.
 *
 * A journal belongs to one boot (version 2 records the kernel's boot_id): CXL regions
 * the daemon made do not survive a reboot, and what a previous boot journaled is
 * history, not work to finish or undo. Its entries are dropped when the journal is
 * opened (svm_journal_stale() counts them). A version 1 journal has no boot id: it is
 * of this boot if its file was last written after the boot (btime in /proc/stat).
 */
#ifndef SVM_CXL_JOURNAL_H
#define SVM_CXL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVM_JOURNAL_VERSION	2	/* 1 is read as well */
#define SVM_JOURNAL_MAX_DEVS	16

enum svm_journal_phase {
	SVM_PHASE_INVALID = 0,
	SVM_PHASE_ASSEMBLING,	/* creating the region over the memdevs */
	SVM_PHASE_ONLINING,	/* region exists, being brought up in .mode */
	SVM_PHASE_ONLINE,	/* done */
	SVM_PHASE_OFFLINING,	/* being taken down for removal */
	SVM_PHASE_OFFLINE,	/* memory released; region may be destroyed */
};

#define SVM_JOURNAL_HOST_LEN	32

struct svm_journal_entry {
	/* device identities, sorted by (serial, host), no two equal */
	uint64_t serials[SVM_JOURNAL_MAX_DEVS];
	char hosts[SVM_JOURNAL_MAX_DEVS][SVM_JOURNAL_HOST_LEN];	/* PCI address, or "" */
	unsigned int nr_serials;
	char region[32];	/* "region0", or "" before assembly */
	uint64_t region_id;	/* svm_region_get_instance() of .region; 0 until known */
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

/* Insert or replace the entry with the same device set, and commit. */
int svm_journal_put(struct svm_journal *j, const struct svm_journal_entry *entry);
/* Drop the entry with @key's device set (no-op if absent), and commit. */
int svm_journal_drop(struct svm_journal *j, const struct svm_journal_entry *key);

const struct svm_journal_entry *svm_journal_find(const struct svm_journal *j,
						 const struct svm_journal_entry *key);
/* Order of device identities: by serial, then host. */
int svm_journal_id_cmp(uint64_t serial_a, const char *host_a, uint64_t serial_b,
		       const char *host_b);
/* Do @a and @b cover the same devices? ("" hosts match any host.) */
bool svm_journal_same_set(const struct svm_journal_entry *a, const struct svm_journal_entry *b);
/* Sort an entry's identities (serials[] with hosts[]) into journal order. */
void svm_journal_sort_ids(struct svm_journal_entry *e);
size_t svm_journal_count(const struct svm_journal *j);
const struct svm_journal_entry *svm_journal_at(const struct svm_journal *j, size_t i);
/* Entries of a previous boot that svm_journal_open() dropped. */
size_t svm_journal_stale(const struct svm_journal *j);
/* Incremented by every commit; persisted. */
uint64_t svm_journal_generation(const struct svm_journal *j);

const char *svm_journal_phase_name(enum svm_journal_phase phase);

#endif /* SVM_CXL_JOURNAL_H */
