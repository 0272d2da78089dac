// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl doctor: checks that explain the classic failures. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "isolate.h"

struct report {
	bool json;
	int warn, fail;
	struct json_object *arr;
};

static void check(struct report *rep, const char *name, const char *status, const char *msg,
		  const char *fix)
{
	if (!strcmp(status, "warn"))
		rep->warn++;
	if (!strcmp(status, "fail"))
		rep->fail++;
	if (rep->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "check", json_object_new_string(name));
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "message", json_object_new_string(msg));
		if (fix)
			json_object_object_add(o, "fix", json_object_new_string(fix));
		json_object_array_add(rep->arr, o);
		return;
	}
	printf("%-4s %-18s %s\n", status, name, msg);
	if (fix)
		printf("     %-18s fix: %s\n", "", fix);
}

static bool iomem_has(struct svm_ctx *ctx, const char *what)
{
	char path[4200], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%sproc/iomem", svm_get_root(ctx));
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

int cmd_doctor(int argc, char **argv, struct svm_ctx *ctx)
{
	struct report rep = { 0 };
	struct svm_root_decoder *d;
	struct svm_memdev *m;
	struct svm_region *r;
	char msg[1536], fix[512];
	const char *aob;
	int nram = 0, nmd = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			rep.json = true;
		else
			return usage_error("doctor", "unknown argument '%s'; the only option is --json",
					   argv[i]);
	}
	if (rep.json)
		rep.arr = json_object_new_array();

	/* modules */
	{
		static const char *const mods[] = { "cxl_acpi", "cxl_pci", "cxl_mem", "dax_cxl",
						    "device_dax" };
		char missing[128] = "";

		for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
			if (!svm_module_is_loaded(ctx, mods[i]))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
					 "%s%s", missing[0] ? " " : "", mods[i]);
		if (missing[0]) {
			snprintf(msg, sizeof(msg), "CXL/dax modules not loaded: %s", missing);
			snprintf(fix, sizeof(fix), "modprobe -a %s", missing);
			check(&rep, "cxl-modules", "fail", msg, fix);
		} else {
			check(&rep, "cxl-modules", "ok", "cxl_acpi cxl_pci cxl_mem dax_cxl device_dax loaded",
			      NULL);
		}
		if (svm_module_is_available(ctx, "kmem"))
			check(&rep, "kmem", "ok", svm_module_is_loaded(ctx, "kmem") ?
			      "kmem loaded (numa mode available)" :
			      "kmem available, not loaded (svm-cxlctl loads it for numa mode)", NULL);
		else
			check(&rep, "kmem", "warn", "kmem module not found: numa mode unavailable",
			      "install the kernel's dax kmem module (CONFIG_DEV_DAX_KMEM)");
		if (svm_module_is_available(ctx, "svm_cxl"))
			check(&rep, "svm_cxl", "ok", svm_module_is_loaded(ctx, "svm_cxl") ?
			      "svm_cxl loaded (coherent mode available)" :
			      "svm_cxl available, not loaded (svm-cxlctl loads it for coherent mode)",
			      NULL);
		else
			check(&rep, "svm_cxl", "warn", "svm_cxl module not found: coherent mode unavailable",
			      "install svm_cxl.ko under /lib/modules/$(uname -r)/extra and run depmod");
	}

	/* memory hotplug policy */
	aob = svm_get_auto_online_blocks(ctx);
	if (!aob) {
		check(&rep, "auto-online", "fail", "no /sys/devices/system/memory: no memory hotplug",
		      "a kernel with CONFIG_MEMORY_HOTPLUG");
	} else if (!strcmp(aob, "online") || !strcmp(aob, "online_kernel")) {
		snprintf(msg, sizeof(msg),
			 "auto_online_blocks is '%s': kmem onlines CXL memory to ZONE_NORMAL by itself, which then cannot be unplugged, and daxctl v76 reconfigure-device aborts ('kernel policy will auto-online memory'); svm-cxlctl switches it to offline while it onlines",
			 aob);
		check(&rep, "auto-online", "warn", msg,
		      "echo offline > /sys/devices/system/memory/auto_online_blocks (or online_movable; memhp_default_state= on the kernel command line)");
	} else {
		snprintf(msg, sizeof(msg), "auto_online_blocks is '%s'", aob);
		check(&rep, "auto-online", "ok", msg, NULL);
	}

	/* windows */
	svm_root_decoder_foreach(ctx, d)
		nram += svm_root_decoder_is_ram_capable(d);
	if (!nram)
		check(&rep, "cxl-window", "fail",
		      "no ram-capable CXL window (root decoder): the platform's CEDT has no CFMWS for volatile memory, or cxl_acpi is not loaded",
		      "check firmware CXL settings (QEMU: -M cxl-fmw.0.targets.0=...), modprobe cxl_acpi");
	else {
		snprintf(msg, sizeof(msg), "%d ram-capable window(s)%s", nram,
			 iomem_has(ctx, "CXL Window") ? ", in /proc/iomem" : "");
		check(&rep, "cxl-window", "ok", msg, NULL);
	}
	if (iomem_has(ctx, "Soft Reserved"))
		check(&rep, "soft-reserved", "ok",
		      "Soft Reserved ranges present (firmware set CXL memory aside for drivers)",
		      NULL);

	/* memdevs */
	svm_memdev_foreach(ctx, m) {
		nmd++;
		if (!svm_memdev_get_endpoint(m)) {
			snprintf(msg, sizeof(msg), "%s has no endpoint port: link down, or cxl_mem not bound",
				 svm_memdev_get_name(m));
			check(&rep, "memdev", "fail", msg, "dmesg | grep -i cxl; modprobe cxl_mem");
		}
		if (svm_memdev_get_orphan_dpa(m)) {
			char sz[32];

			snprintf(msg, sizeof(msg), "%s: %s of DPA reserved by endpoint decoders without a region (an interrupted assembly): new regions over it fail",
				 svm_memdev_get_name(m),
				 svm_format_size(svm_memdev_get_orphan_dpa(m), sz, sizeof(sz)));
			check(&rep, "memdev", "fail", msg, "svm-cxlctl destroy-region stale");
		}
	}
	if (!nmd)
		check(&rep, "memdev", "warn", "no CXL memdevs", "modprobe cxl_pci cxl_mem; check lspci for CXL devices");

	/* regions */
	svm_region_foreach(ctx, r) {
		const char *n = svm_region_get_name(r);
		enum svm_mode mode = svm_region_get_mode(r);

		if (svm_region_is_stale(r)) {
			snprintf(msg, sizeof(msg), "%s is stale: a target memdev is gone (removed device); it still reserves window space",
				 n);
			snprintf(fix, sizeof(fix), "svm-cxlctl destroy-region %s", n);
			check(&rep, "region", "fail", msg, fix);
		} else if (!svm_region_is_committed(r)) {
			snprintf(msg, sizeof(msg), "%s is not committed (half-built)", n);
			snprintf(fix, sizeof(fix), "svm-cxlctl destroy-region %s, then create it again", n);
			check(&rep, "region", "fail", msg, fix);
		} else if (!svm_region_is_enabled(r)) {
			snprintf(msg, sizeof(msg), "%s is committed but not bound to cxl_region", n);
			snprintf(fix, sizeof(fix), "echo %s > /sys/bus/cxl/drivers/cxl_region/bind", n);
			check(&rep, "region", "warn", msg, fix);
		} else if (mode == SVM_MODE_NUMA_PARTIAL) {
			struct svm_dax *dax = svm_region_get_dax(r);

			snprintf(msg, sizeof(msg), "%s: kmem holds %s but only %d of %d memory blocks are online (kmem bound where coherent was wanted, or an interrupted online)",
				 n, svm_dax_get_name(dax), svm_dax_get_nr_online(dax),
				 svm_dax_get_nr_memblocks(dax));
			snprintf(fix, sizeof(fix), "svm-cxlctl online %s --mode numa, or svm-cxlctl offline %s then --mode coherent",
				 n, n);
			check(&rep, "region", "warn", msg, fix);
		} else if (mode == SVM_MODE_NUMA) {
			struct svm_preflight pf = { .struct_size = sizeof(pf) };

			svm_region_preflight(r, &pf);
			if (pf.nr_normal) {
				snprintf(msg, sizeof(msg), "%s: %d memory block(s) in ZONE_NORMAL: kernel allocations may pin them; offline and unplug may fail",
					 n, pf.nr_normal);
				check(&rep, "region", "warn", msg,
				      "when idle: svm-cxlctl offline, then online --mode numa (movable is the default)");
			} else {
				snprintf(msg, sizeof(msg), "%s: numa, node %d, movable", n, pf.node);
				check(&rep, "region", "ok", msg, NULL);
			}
		} else {
			snprintf(msg, sizeof(msg), "%s: %s", n, svm_mode_name(mode));
			check(&rep, "region", "ok", msg, NULL);
		}
	}

	/* isolated nodes (daemon/cpuset.h): only granted cgroups may allocate there */
	{
		int nodes[SVMD_CPUSET_MAX_NODES], n = cli_isolation_nodes(nodes, SVMD_CPUSET_MAX_NODES);
		char iso[1024], root_msg[256];

		if (n < 0)
			check(&rep, "isolation", "fail", "the cpuset journal of isolated nodes cannot be read",
			      "look at " SVMD_CPUSET_JOURNAL_DEFAULT " (svm-cxlctl and svm-cxld repair it when they take the lock)");
		for (int i = 0; i < n; i++) {
			cli_isolation_describe(nodes[i], iso, sizeof(iso), root_msg, sizeof(root_msg));
			if (cli_isolation_leak(nodes[i], msg, sizeof(msg))) {
				check(&rep, "isolation", "fail", msg,
				      "svm-cxlctl grant REGION CGROUP if it should have the node; otherwise take it out of that cgroup's cpuset.mems (AllowedMemoryNodes=)");
				continue;
			}
			if (root_msg[0]) {
				snprintf(msg, sizeof(msg), "node %d isolated, but incomplete: %s: the root cgroup cannot be restricted",
					 nodes[i], root_msg);
				check(&rep, "isolation", "warn", msg,
				      "move them into a child cgroup (echo PID > /sys/fs/cgroup/" SVMD_CPUSET_DEFAULT_CGROUP "/cgroup.procs); 'svm-cxlctl grant' and 'revoke' move them too");
				continue;
			}
			if (cli_demotion_enabled(ctx) && cli_demotion_ignores_cpusets(ctx)) {
				snprintf(msg, sizeof(msg), "node %d isolated, but demotion_enabled is true and %s: reclaim can demote any cgroup's pages onto it",
					 nodes[i], cli_demotion_ignores_cpusets(ctx) > 0 ?
					 "this kernel's demotion ignores cpusets" :
					 "whether this kernel's demotion respects cpusets is unknown (no /proc/kallsyms)");
				check(&rep, "isolation", "warn", msg,
				      "echo false > /sys/kernel/mm/numa/demotion_enabled");
				continue;
			}
			snprintf(msg, sizeof(msg), "node %d %s", nodes[i], iso);
			check(&rep, "isolation", "ok", msg, NULL);
		}
	}

	if (rep.json) {
		print_json(rep.arr);
		json_object_put(rep.arr);
	} else {
		printf("%d problem(s), %d warning(s)\n", rep.fail, rep.warn);
	}
	return rep.fail ? EXIT_FAIL : EXIT_OK;
}
