// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxld: brings CXL memory online per policy when it appears (udev), reconciles what
 * is present at start (coldplug), offlines on request, and keeps a crash-safe journal.
 * Main loop: udev monitor (cxl, dax, memory), signals (SIGHUP reload, SIGTERM/SIGINT
 * exit), the control socket, /dev/kmsg for attention-button presses. See svm-cxld(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <libudev.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#else
#define sd_notify(unset, state) ((void)(state))	/* built without libsystemd: nobody to tell */
#define sd_notifyf(unset, ...) ((void)0)
#endif

#include "button.h"
#include "client.h"
#include "clock.h"
#include "engine.h"
#include "lock.h"
#include "log.h"
#include "offline-request.h"
#include "place.h"
#include "proto.h"
#include "server.h"

#define DEFAULT_POLICY SVM_CXL_POLICY_FILE	/* svm-cxl-config.h, from meson */
#define DEFAULT_STATE SVM_CXL_STATE_DIR
#define DEBOUNCE_MS 150
#define DEBOUNCE_MAX_MS 1000
#define RETRY_MS 1000
#define MAX_RETRIES 30
#define BUTTON_BUDGET_MS 4000

#define now_ms svmd_now_ms

/* One daemon per state directory: two would journal over each other. The flock is held
 * for the daemon's life and released by the kernel when it dies. */
static int lock_state_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: svm-cxld [--policy FILE] [--state-dir DIR] [--socket PATH]\n"
		"                [--offline-timeout MS] [--verbose]\n"
		"       svm-cxld --check-policy FILE\n"
		"       svm-cxld --send JSON        (one control request; prints the reply)\n"
		"Defaults: --policy " DEFAULT_POLICY " (built-in defaults if absent),\n"
		"          --state-dir " DEFAULT_STATE ", --socket " SVMD_SOCKET_DEFAULT ".\n");
}

/* client mode: one request, print the reply as it came, exit with its code (the same
 * client as 'svm-cxlctl daemon'; this one sends any line, for scripts and tests) */
static int send_request(const char *json)
{
	static char text[64 * 1024 + 1];
	struct json_object *o;
	int rc = svmd_request(json, &o, text, sizeof(text));

	fputs(text, stdout);
	if (rc == -ENODATA || rc == -EPROTO) {
		fprintf(stderr, "svm-cxld: no reply from %s\n", svmd_socket_path());
		return SVMD_EFAIL;
	}
	if (rc) {
		fprintf(stderr, "svm-cxld: cannot send to %s: %s (is svm-cxld running?)\n",
			svmd_socket_path(), strerror(-rc));
		return SVMD_EFAIL;
	}
	rc = svmd_reply_code(o);
	json_object_put(o);
	return rc;
}

static struct udev_monitor *open_udev(struct udev **udev)
{
	/* misc: svm_cxl's offline requests (offline-request.h) */
	static const char *const subsystems[] = { "cxl", "dax", "memory", "misc" };
	struct udev_monitor *mon;

	*udev = udev_new();
	if (!*udev)
		return NULL;
	mon = udev_monitor_new_from_netlink(*udev, "udev");
	if (!mon)
		return NULL;
	for (size_t i = 0; i < sizeof(subsystems) / sizeof(subsystems[0]); i++)
		udev_monitor_filter_add_match_subsystem_devtype(mon, subsystems[i], NULL);
	udev_monitor_set_receive_buffer_size(mon, 8 << 20);
	if (udev_monitor_enable_receiving(mon)) {
		udev_monitor_unref(mon);
		return NULL;
	}
	return mon;
}

static void emit_simple(struct svmd_server *srv, const char *name, const char *key,
			const char *val)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string(name));
	if (key)
		json_object_object_add(ev, key, json_object_new_string(val));
	svmd_server_broadcast(ev, srv);
	json_object_put(ev);
}

/* The engine's events go to the socket's monitors; a region coming online also makes
 * the next placement pass run at once (its new pool may have the old one's id). */
static struct svmd_place *events_place;

static void emit_and_kick(struct json_object *ev, void *data)
{
	struct json_object *name;

	if (events_place && json_object_object_get_ex(ev, "event", &name) &&
	    !strcmp(json_object_get_string(name), "region-online"))
		svmd_place_kick(events_place);
	svmd_server_broadcast(ev, data);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "offline-timeout", required_argument, NULL, 't' },
		{ "check-policy", required_argument, NULL, 'c' },
		{ "send", required_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = getenv("SVM_CXLD_POLICY") ? getenv("SVM_CXLD_POLICY") : DEFAULT_POLICY;
	const char *state = getenv("SVM_CXLD_STATE_DIR") ? getenv("SVM_CXLD_STATE_DIR") : DEFAULT_STATE;
	const char *sock;
	unsigned long timeout = 60000;
	struct svmd_engine engine;
	struct svmd_server srv;
	struct svmd_offreq offreq = { 0 };
	struct svmd_place place;
	struct udev *udev = NULL;
	struct udev_monitor *mon;
	struct pollfd fds[SVMD_MAX_CLIENTS + 8];
	uint64_t due = 0, first_event = 0, last_pool_poll = 0;
	int reload_pending = 0;	/* READY=1 owed to systemd after the next reconcile */
	int retries = 0, sfd, kfd, lock, c, running = 1, statefd, rc;
	char err[1024];
	sigset_t mask;

	svmd_log_init();
	while ((c = getopt_long(argc, argv, "p:s:S:t:c:x:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'S':
			setenv("SVM_CXLD_SOCKET", optarg, 1);
			break;
		case 't': {
			char *end;

			timeout = strtoul(optarg, &end, 10);
			if (*end || !timeout || timeout > 3600000) {
				fprintf(stderr, "svm-cxld: --offline-timeout '%s': expected milliseconds, 1-3600000\n",
					optarg);
				return 2;
			}
			break;
		}
		case 'c': {
			struct svm_policy *p = svm_policy_load(optarg, err, sizeof(err));

			if (!p) {
				fprintf(stderr, "svm-cxld: %s\n", err);
				return 2;
			}
			printf("%s: valid, %zu rule(s)\n", optarg, svm_policy_rule_count(p));
			svm_policy_free(p);
			return 0;
		}
		case 'x':
			return send_request(optarg);
		case 'v':
			svmd_log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svm-cxld: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	sock = svmd_socket_path();
	mkdir(state, 0755);
	statefd = lock_state_dir(state);
	if (statefd < 0) {
		log_err("%s: %s", state, statefd == -EBUSY ?
			"another svm-cxld uses this state directory" : strerror(-statefd));
		return 1;
	}
	if (svmd_engine_init(&engine, policy, state, err, sizeof(err))) {
		log_err("%s", err);
		return 1;
	}
	engine.offline_timeout_ms = timeout;
	svmd_place_init(&place);
	engine.place = &place;
	log_info("policy: %s (%zu rule(s)), journal: %s/state.json",
		 engine.policy_from_file ? policy : "built-in defaults (no policy file)",
		 svm_policy_rule_count(engine.policy), state);

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);	/* the offline child of an unbind request */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	/* listen before coldplug, so that no event is lost in between */
	mon = open_udev(&udev);
	if (!mon) {
		log_err("cannot listen to udev events (libudev monitor)");
		return 1;
	}
	svmd_mkdir_parent(sock);	/* the unit's RuntimeDirectory=, when run without it */
	rc = svmd_server_open(&srv, sock, getenv("SVM_CXLD_SOCKET_GROUP"), &engine);
	if (rc) {
		log_err("cannot open the control socket %s: %s", sock, rc == -EADDRINUSE ?
			"another svm-cxld is listening there" : strerror(-rc));
		return 1;
	}
	events_place = &place;
	engine.emit = emit_and_kick;
	engine.emit_data = &srv;
	kfd = svmd_kmsg_open();
	if (kfd < 0)
		log_warn("cannot read /dev/kmsg (%s): attention-button presses will not be seen",
			 strerror(-kfd));

	/* coldplug */
	lock = svmd_lock(30000);
	if (lock < 0) {
		log_err("%s: %s", svmd_lock_path(), strerror(-lock));
		return 1;
	}
	svmd_engine_reconcile(&engine);
	svmd_unlock(lock);
	if (engine.want_retry)
		due = now_ms() + RETRY_MS;
	svmd_offreq_register(&engine, &offreq);
	log_info("ready: %zu journal entr%s, socket %s", svm_journal_count(engine.journal),
		 svm_journal_count(engine.journal) == 1 ? "y" : "ies", sock);
	sd_notify(0, "READY=1");	/* Type=notify: coldplug done, socket listening */

	while (running) {
		int n = 0, nudev, nsig, nk = -1, timeout_ms = -1, nsrv;
		uint64_t t = now_ms();

		fds[n++] = (struct pollfd){ .fd = udev_monitor_get_fd(mon), .events = POLLIN };
		nudev = 0;
		fds[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		nsig = 1;
		if (kfd >= 0) {
			nk = n;
			fds[n++] = (struct pollfd){ .fd = kfd, .events = POLLIN };
		}
		nsrv = svmd_server_fds(&srv, fds + n, SVMD_MAX_CLIENTS + 1);
		/* no reconcile while an unbind's offline child works on the topology */
		if (due && !offreq.child)
			timeout_ms = due > t ? (int)(due - t) : 0;
		if (svmd_server_nr_monitors(&srv) && (timeout_ms < 0 || timeout_ms > 1000))
			timeout_ms = 1000;
		c = svmd_server_next_timeout(&srv);
		if (c >= 0 && (timeout_ms < 0 || c < timeout_ms))
			timeout_ms = c;
		c = offreq.child || due ? -1 : svmd_place_timeout(&place, &engine);
		if (c >= 0 && (timeout_ms < 0 || c < timeout_ms))
			timeout_ms = c;
		if (poll(fds, n + nsrv, timeout_ms) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (fds[nudev].revents) {
			struct udev_device *dev;

			while ((dev = udev_monitor_receive_device(mon))) {
				const char *action = udev_device_get_action(dev);
				const char *sub = udev_device_get_subsystem(dev);

				log_debug("uevent %s %s %s", action ? action : "?", sub ? sub : "?",
					  udev_device_get_sysname(dev));
				if (sub && !strcmp(sub, "misc")) {
					svmd_offreq_uevent(&engine, &offreq, dev);
					udev_device_unref(dev);
					continue;
				}
				/* memory block events matter only for noticing operator changes */
				if (!first_event)
					first_event = now_ms();
				due = now_ms() + DEBOUNCE_MS;
				if (due > first_event + DEBOUNCE_MAX_MS)
					due = first_event + DEBOUNCE_MAX_MS;
				udev_device_unref(dev);
			}
		}
		if (fds[nsig].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					svmd_offreq_reap(&engine, &offreq);
				} else if (si.ssi_signo == SIGHUP) {
					/*
					 * Type=notify-reload (systemd >= 253) holds `systemctl
					 * reload` from RELOADING=1 (with the time, which it
					 * requires) to READY=1: that comes once the new policy
					 * was applied by a reconcile pass, so the admin's next
					 * command sees it in force. A refused file changes
					 * nothing: ready again at once.
					 */
					sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
						   (unsigned long long)svmd_now_us());
					if (svmd_engine_reload(&engine, err, sizeof(err))) {
						log_err("policy not reloaded, keeping the previous one: %s", err);
						emit_simple(&srv, "policy-rejected", "error", err);
						sd_notify(0, "READY=1");
					} else {
						log_info("policy reloaded: %zu rule(s)",
							 svm_policy_rule_count(engine.policy));
						emit_simple(&srv, "policy-reloaded", "policy", engine.policy_path);
						due = now_ms();
						reload_pending = 1;
					}
				} else {
					log_info("exiting on signal %u", si.ssi_signo);
					sd_notify(0, "STOPPING=1");
					running = 0;
				}
			}
		}
		if (nk >= 0 && fds[nk].revents) {
			char rec[8192], port[32];
			ssize_t r;

			while ((r = read(kfd, rec, sizeof(rec) - 1)) > 0 || (r < 0 && errno == EPIPE)) {
				if (r <= 0)
					continue;
				rec[r] = '\0';
				if (!svmd_parse_button_press(rec, port, sizeof(port)))
					continue;
				if (offreq.registered) {
					log_info("attention button on %s: svm_cxl asks for the offline of its numa memory when the slot's driver is unbound, with no time limit",
						 port);
					continue;
				}
				lock = svmd_lock(BUTTON_BUDGET_MS / 2);
				if (lock < 0) {
					log_err("attention button on %s, but %s is held: cannot offline in time",
						port, svmd_lock_path());
					continue;
				}
				svmd_engine_button_press(&engine, port, BUTTON_BUDGET_MS);
				svmd_unlock(lock);
			}
		}
		svmd_server_handle(&srv, fds + n, nsrv);
		if (due && now_ms() >= due && !offreq.child) {
			due = 0;
			first_event = 0;
			lock = svmd_lock(30000);
			if (lock < 0) {
				log_warn("%s held for 30 s by an svm-cxlctl; reconciling later",
					 svmd_lock_path());
				due = now_ms() + RETRY_MS;
				continue;
			}
			svmd_engine_reconcile(&engine);
			svmd_unlock(lock);
			if (reload_pending) {
				log_info("reloaded policy applied");
				sd_notify(0, "READY=1");
				reload_pending = 0;
			}
			if (engine.want_retry && retries < MAX_RETRIES) {
				retries++;
				due = now_ms() + RETRY_MS;
			} else {
				if (engine.want_retry)
					log_warn("giving up retrying after %d attempts; the next event tries again",
						 retries);
				retries = 0;
			}
		}
		/* placement ([place] rules): not while the topology is being changed */
		if (!offreq.child && !due)
			svmd_place_tick(&place, &engine);
		if (svmd_server_nr_monitors(&srv) && now_ms() - last_pool_poll >= 1000) {
			last_pool_poll = now_ms();
			svmd_engine_poll_pools(&engine);
		}
	}
	svmd_place_fini(&place);
	svmd_offreq_unregister(&engine, &offreq);
	svmd_server_close(&srv, sock);
	udev_monitor_unref(mon);
	udev_unref(udev);
	svmd_engine_fini(&engine);
	close(statefd);
	return 0;
}
