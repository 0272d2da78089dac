// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's reconcile pass (daemon/engine*.c) replaying its journal against a fake
 * sysfs tree (tests/host/glue/fake-sysfs.h): region0, committed and enabled over mem0,
 * its dax device unbound (offline). Each case starts from a journal written by hand:
 *
 *  same-instance   an OFFLINE entry for this region0: it stays OFFLINE, nothing held,
 *                  nothing written to the region
 *  re-created      the same entry, but region0 is another instance (destroyed and made
 *                  again over mem0 by someone else): the journaled region is gone, so
 *                  mem0 is held ("destroyed") and the new region0 is left alone
 *  gone, this boot an ONLINE entry whose region is gone: held (the operator destroyed it)
 *  gone, earlier   the same entry written in a previous boot: dropped when the journal
 *                  is opened, nothing held (regions do not survive a reboot)
 *
 * and with dax0.0 bound to kmem over memory146-147 (numa), offlines that fail or die
 * half way (review F9). In the fake tree the kmem unbind never takes (libdaxctl sees the
 * driver link stay), as when kmem will not let go of the device: the blocks go offline,
 * the device stays bound, the region is half way.
 *  failed offline  an offline request that fails after the blocks went offline: the
 *                  entry stays OFFLINING (it was journaled ONLINE), the next pass retries
 *  crash, daemon   OFFLINING (the daemon died mid-offline), memory147 still online: the
 *                  pass offlines it and the entry stays OFFLINING until the device is free
 *  crash, CLI      ONLINE, memory147 online, memory146 offline, mem0 held "offline" (the
 *                  operator's svm-cxlctl offline died): the pass finishes the offline
 *  half, no hold   the same without a hold: the rest is onlined (memory146 is asked to go
 *                  online_movable)
 *  operator online journaled coherent, found numa (offline and online between two
 *                  passes): the journal follows the operator
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "../check.h"
#include "../glue/fake-sysfs.h"

#define REGION FS_REGION0
#define MEM0_PCI "pci0000:0c/0000:0c:00.0/0000:0d:00.0"

static char state[300];

static void build_tree(bool with_region)
{
	fs_cxl_root();
	fs_dport(FS_ROOT0, 12, "pci0000:0c");
	fs_window(0, "0x490000000", "0x100000000", 1, "12");
	fs_memdev(0, MEM0_PCI, "0x1", "0x050210");
	fs_port(FS_ROOT0 "/port1", "pci0000:0c");
	fs_dport(FS_ROOT0 "/port1", 0, "pci0000:0c/0000:0c:00.0");
	fs_endpoint(FS_ROOT0 "/port1", 2, 0, MEM0_PCI, 2);
	put("sys/devices/system/memory/block_size_bytes", "8000000");
	put("sys/devices/system/memory/auto_online_blocks", "offline");
	if (!with_region)
		return;
	fs_region0("0x10000000", 1, (const char *const[]){ "decoder2.0" }, true);
	fs_driver(REGION, "cxl_region");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/region", "region0");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/dpa_size", "0x10000000");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/mode", "ram");
	fs_dax(REGION, 0, "0x490000000", "268435456", "1", NULL);
	fs_dax_driver("kmem");
	fs_dax_driver("device_dax");
}



static uint64_t region_ino(void)
{
	struct stat st;

	return stat("/sys/bus/cxl/devices/region0", &st) ? 0 : (uint64_t)st.st_ino;
}

/* a fresh state directory with @journal as its state.json */
static void journal(const char *text)
{
	char cmd[700], p[400];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "rm -rf %s; mkdir -p %s", state, state);
	if (system(cmd))
		exit(2);
	snprintf(p, sizeof(p), "%s/state.json", state);
	f = fopen(p, "w");
	if (!f)
		exit(2);
	fputs(text, f);
	fclose(f);
}

static const char *boot(void)
{
	static char id[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f && fgets(id, sizeof(id), f))
		id[strcspn(id, "\n")] = '\0';
	if (f)
		fclose(f);
	return id;
}

static void entry_json_mode(char *buf, size_t len, const char *boot_id, const char *phase,
			    unsigned long long region_id, const char *mode)
{
	snprintf(buf, len,
		 "{\"version\":2,\"boot_id\":\"%s\",\"generation\":3,\"entries\":[{\"serials\":[1],"
		 "\"hosts\":[\"0000:0d:00.0\"],\"region\":\"region0\",\"region_id\":%llu,"
		 "\"mode\":\"%s\",\"zone\":\"movable\",\"rule\":\"defaults\",\"phase\":\"%s\","
		 "\"generation\":3}]}", boot_id, region_id, mode, phase);
}

static void entry_json(char *buf, size_t len, const char *boot_id, const char *phase,
		       unsigned long long region_id)
{
	entry_json_mode(buf, len, boot_id, phase, region_id, "numa");
}

/* mem0 held by the operator as @state */
static void hold(const char *hstate)
{
	struct svmd_holds hs;

	if (svmd_holds_load(&hs, state) ||
	    svmd_holds_set(&hs, 1, "0000:0d:00.0", "mem0", hstate, "svm-cxlctl offline") ||
	    svmd_holds_save(&hs))
		exit(2);
}

/*
 * region0 as numa: dax0.0 bound to kmem, memory146 and memory147 @s146 and @s147; a
 * journal of one entry for it, @phase in @mode; mem0 held as @held (NULL: no hold)
 */
static void numa_case(const char *s146, const char *s147, const char *phase, const char *mode,
		      const char *held)
{
	char text[1024];

	fake_sysfs_reset();
	build_tree(false);
	fs_region0("0x10000000", 1, (const char *const[]){ "decoder2.0" }, true);
	fs_driver(REGION, "cxl_region");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/region", "region0");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/dpa_size", "0x10000000");
	put(FS_ROOT0 "/port1/endpoint2/decoder2.0/mode", "ram");
	fs_dax(REGION, 0, "0x490000000", "268435456", "1", "kmem");
	fs_dax_driver("device_dax");
	put("sys/devices/system/memory/memory146/state", s146);
	put("sys/devices/system/memory/memory146/valid_zones", "Movable");
	put("sys/devices/system/memory/memory147/state", s147);
	put("sys/devices/system/memory/memory147/valid_zones", "Movable");
	entry_json_mode(text, sizeof(text), boot(), phase, (unsigned long long)region_ino(), mode);
	journal(text);
	if (held)
		hold(held);
}

/* one reconcile pass over the current tree and journal; the engine for inspection */
static int pass(struct svmd_engine *e, const char *policy)
{
	char err[512], p[400];

	memset(e, 0, sizeof(*e));
	snprintf(p, sizeof(p), "%s/../policy.conf", state);
	if (policy) {
		FILE *f = fopen(p, "w");

		if (!f)
			exit(2);
		fputs(policy, f);
		fclose(f);
	}
	if (svmd_engine_init(e, p, state, err, sizeof(err))) {
		printf("engine init: %s\n", err);
		return -1;
	}
	e->offline_timeout_ms = 1000;
	svmd_engine_reconcile(e);
	return 0;
}

static const struct svm_journal_entry *only_entry(struct svmd_engine *e)
{
	return svm_journal_count(e->journal) == 1 ? svm_journal_at(e->journal, 0) : NULL;
}

int main(void)
{
	/* the set is the operator's: the policy never onlines what this test leaves */
	static const char *const policy = "[defaults]\nexpander = ignore\naccelerator = ignore\n";
	const struct svm_journal_entry *en;
	struct svmd_engine e;
	char text[1024], knob[300], err[1024];

	setenv("SVM_CXL_LOG", "none", 1);
	fake_sysfs_enter();
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(knob, sizeof(knob), "%s/knob", root);
	setenv("SVM_CXL_KNOB_SAVE", knob, 1);
	setenv("SVM_CXLD_STATE_DIR", state, 1);

	/* same instance */
	build_tree(true);
	entry_json(text, sizeof(text), boot(), "offline", (unsigned long long)region_ino());
	journal(text);
	CHECK(!pass(&e, policy), "engine");
	en = only_entry(&e);
	CHECK(en && en->phase == SVM_PHASE_OFFLINE && en->region_id == region_ino(),
	      "same instance: the entry stays offline (%s)",
	      en ? svm_journal_phase_name(en->phase) : "no single entry");
	CHECK(e.holds.n == 0, "same instance: nothing held (%zu)", e.holds.n);
	CHECK(!strcmp(get(REGION "/commit"), "1") &&
	      !strcmp(get("sys/bus/dax/drivers/kmem/bind"), "") &&
	      !strcmp(get("sys/bus/dax/drivers/kmem/new_id"), ""), "same instance: nothing written");
	svmd_engine_fini(&e);

	/* re-created: region0 over mem0 again, but not the journaled instance */
	entry_json(text, sizeof(text), boot(), "offline", (unsigned long long)region_ino() + 1);
	journal(text);
	CHECK(!pass(&e, policy), "engine");
	CHECK(svm_journal_count(e.journal) == 0 ||
	      (only_entry(&e) && only_entry(&e)->region_id == region_ino() &&
	       !strcmp(only_entry(&e)->rule, "adopted")),
	      "re-created: the journaled region's entry is gone (%zu entries)",
	      svm_journal_count(e.journal));
	CHECK(e.holds.n == 1 && e.holds.h[0].serial == 1 && !strcmp(e.holds.h[0].state, "destroyed"),
	      "re-created: mem0 held as destroyed (%zu holds%s%s)", e.holds.n,
	      e.holds.n ? ", " : "", e.holds.n ? e.holds.h[0].state : "");
	CHECK(!strcmp(get(REGION "/commit"), "1") &&
	      !strcmp(get("sys/bus/dax/drivers/kmem/bind"), "") &&
	      !strcmp(get(FS_ROOT0 "/decoder0.0/delete_region"), ""),
	      "re-created: the new region0 is left alone");
	svmd_engine_fini(&e);

	/* the region is gone: in this boot an operator did it, in an earlier one a reboot */
	fake_sysfs_reset();
	build_tree(false);
	entry_json(text, sizeof(text), boot(), "online", 12345);
	journal(text);
	CHECK(!pass(&e, policy), "engine");
	CHECK(svm_journal_count(e.journal) == 0 && e.holds.n == 1,
	      "gone in this boot: dropped and held (%zu entries, %zu holds)",
	      svm_journal_count(e.journal), e.holds.n);
	svmd_engine_fini(&e);
	entry_json(text, sizeof(text), "00000000-0000-0000-0000-000000000000", "online", 12345);
	journal(text);
	CHECK(!pass(&e, policy), "engine");
	/* mem0 is free again, and the policy's to decide (here: ignore, journaled so) */
	en = only_entry(&e);
	CHECK((!svm_journal_count(e.journal) || (en && !en->region[0] && !strcmp(en->mode, "ignore"))) &&
	      svm_journal_stale(e.journal) == 1 && e.holds.n == 0,
	      "gone with a reboot: dropped at open, nothing held (%zu entries, %zu stale, %zu holds)",
	      svm_journal_count(e.journal), svm_journal_stale(e.journal), e.holds.n);
	svmd_engine_fini(&e);

	/* failed offline: journaled as it is, not as online */
	numa_case("online", "online", "online", "numa", NULL);
	CHECK(!pass(&e, policy), "engine");
	CHECK(svmd_engine_offline(&e, "region0", err, sizeof(err)) != 0 &&
	      strstr(err, "unbinding dax0.0 from kmem failed"),
	      "failed offline: the request fails at the unbind: %s", err);
	en = only_entry(&e);
	CHECK(en && en->phase == SVM_PHASE_OFFLINING && e.want_retry,
	      "failed offline: journaled offlining, retried (%s, retry %d)",
	      en ? svm_journal_phase_name(en->phase) : "no single entry", e.want_retry);
	CHECK(!strcmp(get("sys/devices/system/memory/memory146/state"), "offline") &&
	      !strcmp(get("sys/devices/system/memory/memory147/state"), "offline"),
	      "failed offline: the blocks are offline");
	svmd_engine_fini(&e);

	/* the daemon died mid-offline */
	numa_case("offline", "online", "offlining", "numa", NULL);
	CHECK(!pass(&e, policy), "engine");
	en = only_entry(&e);
	CHECK(!strcmp(get("sys/devices/system/memory/memory147/state"), "offline") &&
	      en && en->phase == SVM_PHASE_OFFLINING && e.want_retry,
	      "crash, daemon: memory147 offlined, still offlining until kmem lets go (%s, %s)",
	      get("sys/devices/system/memory/memory147/state"),
	      en ? svm_journal_phase_name(en->phase) : "no single entry");
	svmd_engine_fini(&e);

	/* the operator's offline died half way */
	numa_case("offline", "online", "online", "numa", "offline");
	CHECK(!pass(&e, policy), "engine");
	en = only_entry(&e);
	CHECK(!strcmp(get("sys/devices/system/memory/memory147/state"), "offline") &&
	      !strcmp(get("sys/devices/system/memory/memory146/state"), "offline") &&
	      en && en->phase == SVM_PHASE_OFFLINING,
	      "crash, CLI: the operator's offline finished (memory147 %s, %s)",
	      get("sys/devices/system/memory/memory147/state"),
	      en ? svm_journal_phase_name(en->phase) : "no single entry");
	svmd_engine_fini(&e);

	/* half online, nobody's hold: the journal says online */
	numa_case("offline", "online", "online", "numa", NULL);
	CHECK(!pass(&e, policy), "engine");
	CHECK(!strcmp(get("sys/devices/system/memory/memory146/state"), "online_movable") &&
	      !strcmp(get("sys/devices/system/memory/memory147/state"), "online"),
	      "half, no hold: memory146 asked to go online_movable (%s), memory147 left (%s)",
	      get("sys/devices/system/memory/memory146/state"),
	      get("sys/devices/system/memory/memory147/state"));
	svmd_engine_fini(&e);

	/* journaled coherent, found numa: an operator's offline + online between passes */
	numa_case("online", "online", "online", "coherent", NULL);
	CHECK(!pass(&e, policy), "engine");
	en = only_entry(&e);
	CHECK(en && !strcmp(en->mode, "numa") && en->phase == SVM_PHASE_ONLINE,
	      "operator's online: the journal follows (%s %s)", en ? en->mode : "-",
	      en ? svm_journal_phase_name(en->phase) : "no single entry");
	svmd_engine_fini(&e);

	fake_sysfs_remove();
	return check_summary();
}
