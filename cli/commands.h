/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command table, the one list of svm-cxlctl's commands: main()'s dispatch, usage(),
 * 'help', '--list-cmds' (the bash completion asks it) and the COMMANDS section of
 * svm-cxlctl(1) (docs/man/gen-fragments.py reads this file) all come from it. One
 * command per line, in this exact form (the generator refuses anything else):
 *   SVM_CMD("name", handler, privileged, "synopsis after the name", "summary")
 * A command also needs docs/man/svm-cxlctl-NAME.adoc (the build checks it).
 */
SVM_CMD("list", cmd_list, false, "[-M] [-R] [-D] [-X] [-P] [-m MEMDEV] [-s SERIAL] [-r REGION] [-d DECODER] [-T] [-v|-vv|-vvv] [-u]", "list memdevs, windows, regions, dax devices and pools as JSON")
SVM_CMD("online", cmd_online, true, "{ REGION | MEMDEV... } --mode { numa | coherent } [--zone { movable | normal }] [--isolated] [-v]", "online a region (or a memdev's region) as numa or coherent")
SVM_CMD("offline", cmd_offline, true, "{ REGION | MEMDEV } [--timeout MS] [--dry-run] [-v]", "offline a region for hot-unplug")
SVM_CMD("convert", cmd_convert, true, "{ REGION | MEMDEV } --mode { numa | coherent } [--zone { movable | normal }] [--timeout MS] [-v]", "switch an online region to the other mode, keeping data")
SVM_CMD("grant", cmd_grant, true, "REGION CGROUP", "let a cgroup allocate on an isolated numa node")
SVM_CMD("revoke", cmd_revoke, true, "REGION CGROUP", "take an isolated node back from a cgroup, migrating its pages off")
SVM_CMD("create-region", cmd_create_region, true, "MEMDEV... [--size SIZE] [--decoder DECODER] [--granularity BYTES] [-v]", "assemble a ram region over memdevs")
SVM_CMD("destroy-region", cmd_destroy_region, true, "{ REGION | all | stale }... [-v]", "tear regions down (also stale ones)")
SVM_CMD("run", cmd_run, false, "--on { REGION | MEMDEV | POOL } [--heap | --all] [--threshold SIZE] [--report FILE] [-v] -- CMD [ARG...]", "start a program with its large allocations on a coherent pool")
SVM_CMD("top", cmd_top, false, "[REGION | MEMDEV | POOL]... [--interval SECONDS] [--count N] [--json]", "pool use per process, refreshed")
SVM_CMD("status", cmd_status, false, "[REGION | MEMDEV]", "one line per region: mode, node, usage")
SVM_CMD("doctor", cmd_doctor, false, "[--json]", "check the platform for the classic failures")
SVM_CMD("plan", cmd_plan, false, "[--policy FILE]", "what the svm-cxld policy would do to each device (changes nothing)")
SVM_CMD("monitor", cmd_monitor, false, "[--count N]", "stream svm-cxld's events as JSON lines")
SVM_CMD("daemon", cmd_daemon, false, "{ status | reload | reconcile | holds | hold OBJECT... | release OBJECT... }", "svm-cxld requests and operator holds")
SVM_CMD("migrate", cmd_migrate, false, "--pid PID [--range START-END]... --to { REGION | system }", "move a process's pages to a coherent pool or back to system RAM")
SVM_CMD("help", cmd_help, false, "[COMMAND]", "show the manual page of a command")
