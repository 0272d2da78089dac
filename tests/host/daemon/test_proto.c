// SPDX-License-Identifier: GPL-2.0-only
/* Host unit tests of svm-cxld's control protocol parsing and attention-button detection. */
#include <stdio.h>
#include <string.h>

#include "button.h"
#include "proto.h"
#include "../check.h"


static void accept(const char *line, enum svmd_cmd cmd, const char *object)
{
	struct svmd_request r;
	char err[256] = "";
	int rc = svmd_parse_request(line, &r, err, sizeof(err));

	CHECK(rc == 0 && r.cmd == cmd && !strcmp(r.object, object), "accepts %s (%s)", line, err);
}

static void reject(const char *line, const char *why)
{
	struct svmd_request r;
	char err[256] = "";
	int rc = svmd_parse_request(line, &r, err, sizeof(err));

	CHECK(rc == SVMD_EUSAGE && r.cmd == SVMD_CMD_INVALID && strstr(err, why),
	      "rejects %s: '%s' (want '%s')", line, err, why);
}

int main(void)
{
	char big[SVMD_MAX_REQUEST + 64], port[32];

	accept("{\"cmd\":\"status\"}", SVMD_CMD_STATUS, "");
	accept(" {\"cmd\":\"monitor\"}\n", SVMD_CMD_MONITOR, "");
	accept("{\"cmd\":\"reconcile\"}", SVMD_CMD_RECONCILE, "");
	accept("{\"cmd\":\"reload\"}", SVMD_CMD_RELOAD, "");
	accept("{\"cmd\":\"offline\",\"object\":\"mem1\"}", SVMD_CMD_OFFLINE, "mem1");
	accept("{\"object\":\"region12\",\"cmd\":\"online\"}", SVMD_CMD_ONLINE, "region12");

	reject("", "not a JSON object");
	reject("status", "not a JSON object");
	reject("[\"status\"]", "not a JSON object");
	reject("{\"cmd\":\"status\"} {\"cmd\":\"status\"}", "not a JSON object");
	reject("{\"cmd\":\"status\"", "not a JSON object");
	reject("{}", "missing \"cmd\"");
	reject("{\"cmd\":7}", "missing \"cmd\"");
	reject("{\"cmd\":\"stauts\"}", "unknown cmd 'stauts'");
	reject("{\"cmd\":\"status\",\"verbose\":true}", "unknown member 'verbose'");
	reject("{\"cmd\":\"status\",\"object\":\"mem0\"}", "status takes no object");
	reject("{\"cmd\":\"offline\"}", "offline needs an object");
	reject("{\"cmd\":\"offline\",\"object\":\"dax0.0\"}", "expected regionN or memN");
	reject("{\"cmd\":\"offline\",\"object\":\"mem\"}", "expected regionN or memN");
	reject("{\"cmd\":\"offline\",\"object\":\"mem1/../x\"}", "expected regionN or memN");
	reject("{\"cmd\":\"offline\",\"object\":\"region1234567890\"}", "expected regionN or memN");
	reject("{\"cmd\":\"offline\",\"object\":5}", "expected regionN or memN");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	reject(big, "longer than");

	CHECK(!svmd_cmd_privileged(SVMD_CMD_STATUS) && !svmd_cmd_privileged(SVMD_CMD_MONITOR),
	      "status and monitor are open to everyone");
	CHECK(svmd_cmd_privileged(SVMD_CMD_RECONCILE) && svmd_cmd_privileged(SVMD_CMD_RELOAD) &&
	      svmd_cmd_privileged(SVMD_CMD_OFFLINE) && svmd_cmd_privileged(SVMD_CMD_ONLINE) &&
	      svmd_cmd_privileged(SVMD_CMD_INVALID),
	      "everything else needs root");

	CHECK(svmd_parse_button_press("6,1234,30042459,-;pcieport 0000:0c:01.0: pciehp: Slot(3): Button press: will power off in 5 sec\n SUBSYSTEM=pci\n DEVICE=+pci:0000:0c:01.0\n",
				      port, sizeof(port)) && !strcmp(port, "0000:0c:01.0"),
	      "button press to power off: port %s", port);
	CHECK(!svmd_parse_button_press("6,1234,27523744,-;pcieport 0000:0c:01.0: pciehp: Slot(3): Button press: will power on in 5 sec\n",
				       port, sizeof(port)),
	      "button press to power on is not a removal");
	CHECK(!svmd_parse_button_press("6,1,1,-;pcieport 0000:0c:01.0: pciehp: Slot(3): Card present\n",
				       port, sizeof(port)),
	      "other pciehp messages are ignored");
	CHECK(!svmd_parse_button_press("6,1,1,-;someone: pciehp: Slot(3): will power off\n", port,
				       sizeof(port)),
	      "a message without a port is ignored");
	CHECK(!svmd_parse_button_press("6,1,1,-;pcieport 0000:0c:01.0: pciehp: Slot(3): Button press: will power off in 5 sec\n",
				       port, 8),
	      "a port name longer than the buffer is refused");
	return check_summary();
}
