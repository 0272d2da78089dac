// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host unit tests of the daemon's state journal, including its one promise that
 * matters: a writer SIGKILLed at any moment leaves a journal that loads and holds the
 * last committed state.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "../check.h"

static char err[512];

static struct svm_journal_entry entry(uint64_t s1, uint64_t s2, const char *region,
				      enum svm_journal_phase phase)
{
	struct svm_journal_entry e = { .serials = { s1, s2 }, .nr_serials = s2 ? 2 : 1,
				       .phase = phase };

	snprintf(e.region, sizeof(e.region), "%s", region);
	snprintf(e.mode, sizeof(e.mode), "numa");
	snprintf(e.zone, sizeof(e.zone), "movable");
	snprintf(e.rule, sizeof(e.rule), "defaults");
	return e;
}

static char *make_dir(void)
{
	char tmpl[] = "/tmp/svm-journal-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static void write_file(const char *dir, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_roundtrip(void)
{
	char *dir = make_dir();
	struct svm_journal *j;
	struct svm_journal_entry a = entry(1, 2, "region0", SVM_PHASE_ONLINING);
	struct svm_journal_entry b = entry(77, 0, "", SVM_PHASE_ASSEMBLING);
	const struct svm_journal_entry *got;
	struct svm_journal_entry key_a = entry(1, 2, "", SVM_PHASE_ONLINE);
	struct svm_journal_entry key_b = entry(77, 0, "", SVM_PHASE_ONLINE);
	struct svm_journal_entry key_a1 = entry(1, 0, "", SVM_PHASE_ONLINE);

	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0, "open empty: %s", err);
	CHECK(svm_journal_count(j) == 0 && svm_journal_generation(j) == 0, "empty journal");
	CHECK(svm_journal_put(j, &a) == 0, "put a");
	CHECK(svm_journal_put(j, &b) == 0, "put b");
	a.phase = SVM_PHASE_ONLINE;
	CHECK(svm_journal_put(j, &a) == 0, "replace a");
	CHECK(svm_journal_count(j) == 2 && svm_journal_generation(j) == 3, "3 commits, 2 entries");
	svm_journal_close(j);

	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0, "reopen: %s", err);
	CHECK(svm_journal_count(j) == 2 && svm_journal_generation(j) == 3, "state persisted");
	got = svm_journal_find(j, &key_a);
	CHECK(got && got->phase == SVM_PHASE_ONLINE && !strcmp(got->region, "region0") &&
	      !strcmp(got->mode, "numa") && !strcmp(got->zone, "movable") && got->generation == 3,
	      "entry a read back");
	got = svm_journal_find(j, &key_b);
	CHECK(got && got->phase == SVM_PHASE_ASSEMBLING && got->generation == 2, "entry b read back");
	CHECK(svm_journal_find(j, &key_a1) == NULL, "a prefix of a key is another key");

	CHECK(svm_journal_drop(j, &key_b) == 0 && svm_journal_count(j) == 1, "drop b");
	CHECK(svm_journal_drop(j, &key_b) == 0 && svm_journal_generation(j) == 4,
	      "dropping an absent entry commits nothing");
	svm_journal_close(j);
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 1,
	      "drop persisted");
	svm_journal_close(j);
	free(dir);
}

static void test_bad_input_changes_nothing(void)
{
	char *dir = make_dir();
	struct svm_journal *j;
	struct svm_journal_entry e = entry(2, 1, "region0", SVM_PHASE_ONLINE);
	char path[512];
	struct stat st;

	svm_journal_open(dir, &j, err, sizeof(err));
	CHECK(svm_journal_put(j, &e) == -EINVAL, "unsorted serials rejected");
	e = entry(1, 1, "region0", SVM_PHASE_ONLINE);
	CHECK(svm_journal_put(j, &e) == -EINVAL, "repeated serial rejected");
	e = entry(1, 2, "region0", SVM_PHASE_INVALID);
	CHECK(svm_journal_put(j, &e) == -EINVAL, "invalid phase rejected");
	e = entry(1, 2, "region0", 99);
	CHECK(svm_journal_put(j, &e) == -EINVAL, "out-of-range phase rejected");
	e.nr_serials = 0;
	e.phase = SVM_PHASE_ONLINE;
	CHECK(svm_journal_put(j, &e) == -EINVAL, "empty serial set rejected");
	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK(stat(path, &st) != 0 && svm_journal_generation(j) == 0, "nothing written");

	/* A commit that cannot reach the disk leaves the in-memory state as it was. */
	e = entry(5, 0, "region1", SVM_PHASE_ONLINE);
	CHECK(svm_journal_put(j, &e) == 0, "put before the directory goes");
	rmdir(dir);
	unlink(path);
	rmdir(dir);
	e = entry(6, 0, "region2", SVM_PHASE_ONLINE);
	CHECK(svm_journal_put(j, &e) == -ENOENT, "commit into a vanished directory fails");
	CHECK(svm_journal_count(j) == 1 && svm_journal_generation(j) == 1, "state unchanged");
	svm_journal_close(j);
	free(dir);
}

static void test_damaged_files(void)
{
	static const char *const bad[] = {
		"{ \"version\": 1, \"generation\": 3, \"entries\": [ { \"serials\": [1] ",
		"{ \"version\": 3, \"generation\": 3, \"entries\": [] }",
		"{ \"version\": 1, \"entries\": [] }",
		"{ \"version\": 1, \"generation\": 1, \"entries\": [ { \"serials\": [2, 1], \"region\": \"\","
		" \"mode\": \"numa\", \"zone\": \"\", \"rule\": \"x\", \"phase\": \"online\", \"generation\": 1 } ] }",
		"{ \"version\": 1, \"generation\": 1, \"entries\": [ { \"serials\": [1], \"region\": \"\","
		" \"mode\": \"numa\", \"zone\": \"\", \"rule\": \"x\", \"phase\": \"halfway\", \"generation\": 1 } ] }",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *dir = make_dir();
		struct svm_journal *j = NULL;

		write_file(dir, bad[i]);
		err[0] = '\0';
		CHECK(svm_journal_open(dir, &j, err, sizeof(err)) < 0 && strstr(err, "state.json"),
		      "damaged journal %zu refused with a message naming the file (%s)", i, err);
		svm_journal_close(j);
		free(dir);
	}
}

/*
 * The child commits as fast as it can; entry region "rN" is written by commit N+1. It
 * says so on @ready after its first commit, so that the parent's kill lands in the
 * stream of commits however slow the machine (valgrind on a loaded host) is.
 */
static void crash_writer(const char *dir, int ready)
{
	struct svm_journal *j;

	if (svm_journal_open(dir, &j, err, sizeof(err)))
		_exit(2);
	for (unsigned long n = svm_journal_generation(j);; n++) {
		struct svm_journal_entry e = entry(1, 2, "", SVM_PHASE_ONLINING);

		snprintf(e.region, sizeof(e.region), "r%lu", n);
		if (svm_journal_put(j, &e))
			_exit(3);
		if (ready >= 0) {
			if (write(ready, "c", 1) != 1)
				_exit(4);
			close(ready);
			ready = -1;
		}
	}
}

static void test_sigkill_at_any_point(void)
{
	char *dir = make_dir();
	struct svm_journal_entry key = entry(1, 2, "", SVM_PHASE_ONLINE);
	int rounds = 25, good = 0;

	srand(time(NULL));
	for (int round = 0; round < rounds; round++) {
		struct timespec delay = { 0, (5 + rand() % 40) * 1000000L };
		struct svm_journal *j;
		const struct svm_journal_entry *e;
		char want[32];
		int status, ready[2];
		pid_t pid;
		char c;

		if (pipe(ready)) {
			CHECK(0, "pipe: %s", strerror(errno));
			break;
		}
		pid = fork();
		if (pid == 0) {
			close(ready[0]);
			crash_writer(dir, ready[1]);
		}
		close(ready[1]);
		/* Wait for the first commit (EOF: the writer died before it). */
		if (read(ready[0], &c, 1) != 1)
			CHECK(0, "round %d: the writer never committed", round);
		close(ready[0]);
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			CHECK(0, "writer exited by itself with %d", WEXITSTATUS(status));
			continue;
		}
		if (svm_journal_open(dir, &j, err, sizeof(err))) {
			CHECK(0, "round %d: journal unreadable after SIGKILL: %s", round, err);
			continue;
		}
		e = svm_journal_find(j, &key);
		snprintf(want, sizeof(want), "r%lu", (unsigned long)svm_journal_generation(j) - 1);
		if (svm_journal_generation(j) == 0 || (e && !strcmp(e->region, want) &&
						      e->generation == svm_journal_generation(j)))
			good++;
		else
			CHECK(0, "round %d: generation %lu but entry '%s'", round,
			      (unsigned long)svm_journal_generation(j), e ? e->region : "(none)");
		svm_journal_close(j);
	}
	CHECK(good == rounds, "%d of %d SIGKILLed writers left a consistent journal", good, rounds);
	{
		struct svm_journal *j;

		/* Every round committed at least once before its kill. */
		if (!svm_journal_open(dir, &j, err, sizeof(err))) {
			printf("# %d writers killed after %lu commits in all\n", rounds,
			       (unsigned long)svm_journal_generation(j));
			CHECK(svm_journal_generation(j) >= (uint64_t)rounds, "writers made progress");
			svm_journal_close(j);
		}
	}
	free(dir);
}

/* Two devices without a serial (DSN 0), or sharing one, are two devices: keyed by
 * (serial, host PCI address). A journal from before hosts were recorded still loads,
 * and its entries match by serial. */
static void test_duplicate_serials(void)
{
	char *dir = make_dir();
	struct svm_journal *j;
	struct svm_journal_entry pair = entry(0, 0, "region0", SVM_PHASE_ONLINE);
	struct svm_journal_entry a = entry(0, 0, "region1", SVM_PHASE_ONLINE);
	struct svm_journal_entry b = entry(0, 0, "region2", SVM_PHASE_OFFLINE);
	struct svm_journal_entry key = entry(0, 0, "", SVM_PHASE_ONLINE);
	const struct svm_journal_entry *got;

	/* a 2-way set of two serial-0 devices, given out of order */
	pair.nr_serials = 2;
	snprintf(pair.hosts[0], sizeof(pair.hosts[0]), "0000:0e:00.0");
	snprintf(pair.hosts[1], sizeof(pair.hosts[1]), "0000:0d:00.0");
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0, "open: %s", err);
	CHECK(svm_journal_put(j, &pair) == -EINVAL, "unsorted identities refused");
	svm_journal_sort_ids(&pair);
	CHECK(!strcmp(pair.hosts[0], "0000:0d:00.0"), "sorted by host within a serial");
	CHECK(svm_journal_put(j, &pair) == 0, "[0@0d, 0@0e] journaled");
	svm_journal_drop(j, &pair);

	/* two single-device entries with serial 0 stay two */
	snprintf(a.hosts[0], sizeof(a.hosts[0]), "0000:0d:00.0");
	snprintf(b.hosts[0], sizeof(b.hosts[0]), "0000:0e:00.0");
	CHECK(svm_journal_put(j, &a) == 0 && svm_journal_put(j, &b) == 0, "put 0@0d and 0@0e");
	CHECK(svm_journal_count(j) == 2, "two entries, not one (%zu)", svm_journal_count(j));
	svm_journal_close(j);
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 2,
	      "both persisted: %s", err);
	snprintf(key.hosts[0], sizeof(key.hosts[0]), "0000:0e:00.0");
	got = svm_journal_find(j, &key);
	CHECK(got && !strcmp(got->region, "region2") && got->phase == SVM_PHASE_OFFLINE,
	      "0@0e finds its own entry (%s)", got ? got->region : "none");
	CHECK(svm_journal_drop(j, &key) == 0 && svm_journal_count(j) == 1, "dropping 0@0e keeps 0@0d");
	got = svm_journal_at(j, 0);
	CHECK(got && !strcmp(got->region, "region1"), "the remaining entry is 0@0d's");
	svm_journal_close(j);

	/* a journal without hosts (written before they were recorded) */
	write_file(dir, "{\"version\":1,\"generation\":5,\"entries\":[{\"serials\":[7],\"region\":\"region3\",\"mode\":\"numa\",\"zone\":\"movable\",\"rule\":\"defaults\",\"phase\":\"online\",\"generation\":5}]}");
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0, "old journal loads: %s", err);
	key = entry(7, 0, "", SVM_PHASE_ONLINE);
	snprintf(key.hosts[0], sizeof(key.hosts[0]), "0000:0d:00.0");
	got = svm_journal_find(j, &key);
	CHECK(got && !strcmp(got->region, "region3"), "an entry without hosts matches by serial");
	svm_journal_close(j);
	free(dir);
}

/*
 * A journal belongs to one boot: entries a previous boot wrote are dropped at open (and
 * from the file), never acted on; the region instance id survives a reopen in the same
 * boot. Version 1 journals (no boot id) are of this boot if written after it began.
 */
static void test_boots(void)
{
	static const char *const one =
		"\"entries\":[{\"serials\":[7],\"region\":\"region3\",\"mode\":\"numa\","
		"\"zone\":\"movable\",\"rule\":\"defaults\",\"phase\":\"online\",\"generation\":5}]}";
	char *dir = make_dir(), boot[64] = "", text[1024], path[600];
	struct svm_journal_entry a = entry(1, 2, "region0", SVM_PHASE_ONLINE);
	const struct svm_journal_entry *got;
	struct timeval old[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };
	struct svm_journal *j;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	CHECK(f && fgets(boot, sizeof(boot), f), "this boot's id");
	if (f)
		fclose(f);
	boot[strcspn(boot, "\n")] = '\0';

	/* written in this boot: kept, with its region instance */
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0, "open: %s", err);
	a.region_id = 0x1234500000042ULL;
	CHECK(svm_journal_put(j, &a) == 0, "put with a region instance");
	svm_journal_close(j);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "r");
	text[0] = '\0';
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);

		text[n] = '\0';
		fclose(f);
	}
	CHECK(strstr(text, "\"version\":2") && strstr(text, boot), "version 2 with this boot's id");
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 1 &&
	      svm_journal_stale(j) == 0, "same boot: kept (%s)", err);
	got = svm_journal_find(j, &a);
	CHECK(got && got->region_id == 0x1234500000042ULL, "region instance kept");
	svm_journal_close(j);

	/* another boot's journal: dropped, and the file forgets it too */
	snprintf(text, sizeof(text), "{\"version\":2,\"boot_id\":\"00000000-0000-0000-0000-000000000000\",\"generation\":5,%s", one);
	write_file(dir, text);
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 0 &&
	      svm_journal_stale(j) == 1, "previous boot: 1 entry dropped (%s)", err);
	svm_journal_close(j);
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 0 &&
	      svm_journal_stale(j) == 0 && svm_journal_generation(j) == 6,
	      "rewritten for this boot at once (generation %llu)",
	      (unsigned long long)svm_journal_generation(j));
	svm_journal_close(j);

	/* version 1, last written before this boot: dropped; after it: kept */
	snprintf(text, sizeof(text), "{\"version\":1,\"generation\":5,%s", one);
	write_file(dir, text);
	CHECK(!utimes(path, old), "a version 1 journal from 1970");
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 0 &&
	      svm_journal_stale(j) == 1, "version 1 of a previous boot: dropped (%s)", err);
	svm_journal_close(j);
	write_file(dir, text);
	CHECK(svm_journal_open(dir, &j, err, sizeof(err)) == 0 && svm_journal_count(j) == 1 &&
	      svm_journal_stale(j) == 0, "version 1 of this boot: kept (%s)", err);
	got = svm_journal_at(j, 0);
	CHECK(got && got->region_id == 0, "version 1: no region instance");
	svm_journal_close(j);
	free(dir);
}

int main(void)
{
	test_boots();
	test_roundtrip();
	test_duplicate_serials();
	test_bad_input_changes_nothing();
	test_damaged_files();
	test_sigkill_at_any_point();
	return check_summary();
}
