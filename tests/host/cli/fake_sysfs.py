# SPDX-License-Identifier: GPL-2.0-only
"""A fake sysfs tree for svm-cxlctl host tests (run over it with fake-sysfs-run), laid out as the
kernel lays it out: the bus/cxl/devices links into the platform and PCI hierarchies,
dport links, port uport and driver links, dax and memory block attributes, and every
attribute libcxl requires before it lists an object (as tests/host/glue/fake-sysfs.h)."""
import os

BUS = "sys/bus/cxl/devices/"
ROOT0 = "sys/devices/platform/ACPI0017:00/root0"


class Tree:
    def __init__(self, root):
        self.root = root

    def put(self, rel, content):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(f"{content}\n")

    def mkdir(self, rel):
        os.makedirs(os.path.join(self.root, rel), exist_ok=True)

    def link(self, target, rel):
        """rel -> target, with target given relative to the tree root"""
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink(os.path.relpath(os.path.join(self.root, target), os.path.dirname(p)), p)

    def driver(self, dev, driver):
        self.mkdir(f"sys/bus/cxl/drivers/{driver}")
        self.link(f"sys/bus/cxl/drivers/{driver}", f"{dev}/driver")

    def port(self, path, uport):
        """a CXL port directory whose upstream port is sys/devices/{uport}"""
        if os.path.lexists(os.path.join(self.root, f"{path}/uport")):
            return
        self.mkdir(f"sys/devices/{uport}")
        self.link(f"sys/devices/{uport}", f"{path}/uport")
        self.driver(path, "cxl_port")
        self.link(path, BUS + os.path.basename(path))

    def window(self, name, start, size, granularity, dports):
        """a root decoder; dports: [(id, host bridge)] in target_list order"""
        d = f"{ROOT0}/{name}"
        self.put(f"{d}/devtype", "cxl_decoder_root")
        self.put(f"{d}/start", hex(start))
        self.put(f"{d}/size", hex(size))
        self.put(f"{d}/interleave_ways", len(dports))
        self.put(f"{d}/interleave_granularity", granularity)
        self.put(f"{d}/cap_ram", 1)
        self.put(f"{d}/cap_pmem", 0)
        self.put(f"{d}/target_list", ",".join(str(i) for i, _ in dports))
        for i, hb in dports:
            if not os.path.lexists(os.path.join(self.root, f"{ROOT0}/dport{i}")):
                self.mkdir(f"sys/devices/{hb}")
                self.link(f"sys/devices/{hb}", f"{ROOT0}/dport{i}")
        self.link(d, BUS + name)
        if not os.path.lexists(os.path.join(self.root, BUS + "root0")):
            self.mkdir("sys/devices/platform/ACPI0017:00")
            self.link("sys/devices/platform/ACPI0017:00", f"{ROOT0}/uport")
            self.link(ROOT0, BUS + "root0")

    def memdev(self, name, hb, bdf, serial, ram_size, endpoint=None, port=None):
        """a memdev under host bridge hb (pci0000:XX) at PCI address bdf; with an
        endpoint port (endpointN under portP) and two endpoint decoders"""
        dev = f"sys/devices/{hb}/{hb[3:]}:00.0/{bdf}/{name}"
        self.put(f"{dev}/serial", hex(serial))
        self.put(f"{dev}/ram/size", hex(ram_size))
        self.put(f"{dev}/pmem/size", 0)
        self.put(f"{dev}/payload_max", 2048)
        self.put(f"{dev}/label_storage_size", 0)
        self.put(f"{dev}/firmware_version", "BWFW VERSION 00")
        self.link(dev, BUS + name)
        self.put(f"dev/cxl/{name}", "")
        if endpoint is None:
            return
        self.driver(dev, "cxl_mem")
        self.port(f"{ROOT0}/{port}", hb)
        eid = int(endpoint[len("endpoint"):])
        ep = f"{ROOT0}/{port}/{endpoint}"
        self.mkdir(ep)
        self.link(dev, f"{ep}/uport")
        self.driver(ep, "cxl_port")
        self.link(ep, BUS + endpoint)
        for i in range(2):
            dec = f"{ep}/decoder{eid}.{i}"
            self.put(f"{dec}/devtype", "cxl_decoder_endpoint")
            self.put(f"{dec}/region", "")
            self.put(f"{dec}/dpa_size", 0)
            self.put(f"{dec}/mode", "none")
            self.link(dec, BUS + f"decoder{eid}.{i}")

    def region(self, name, window, start, size, granularity, targets, enabled=True,
               committed=True, dax=None, dax_driver=None, node=None):
        r = f"{ROOT0}/{window}/{name}"
        self.put(f"{r}/resource", hex(start))
        self.put(f"{r}/size", hex(size))
        self.put(f"{r}/interleave_ways", len(targets))
        self.put(f"{r}/interleave_granularity", granularity)
        self.put(f"{r}/commit", int(committed))
        self.put(f"{r}/uuid", "")
        self.put(f"{r}/mode", "ram")
        for i, t in enumerate(targets):
            self.put(f"{r}/target{i}", t)
        if enabled:
            self.driver(r, "cxl_region")
        self.link(r, BUS + name)
        if dax:
            self.dax(r, name, dax, start, size, node, dax_driver)

    def dax(self, region, name, dax, start, size, node, driver):
        """dax device dax of region (a path), as dax_cxl makes it and libdaxctl finds it:
        in the region's dax_regionN with its dax_region attributes, linked from
        bus/dax/devices, with a /dev node whose subsystem is the dax bus (as
        tests/host/glue/fake-sysfs.h fs_dax)"""
        dev = f"{region}/dax_{name}/{dax}"
        self.put(f"{dev}/resource", hex(start))
        self.put(f"{dev}/size", size)
        self.put(f"{dev}/target_node", -1 if node is None else node)
        self.put(f"{dev}/align", 2097152)
        self.put(f"{region}/dax_{name}/dax_region/size", size)
        self.link(dev, f"sys/bus/dax/devices/{dax}")
        self.put(f"dev/{dax}", "")
        # a regular file's rdev is 0:0
        if not os.path.lexists(os.path.join(self.root, "sys/dev/char/0:0/subsystem")):
            self.link("sys/bus/dax", "sys/dev/char/0:0/subsystem")
        if driver:
            for a in ("bind", "unbind", "new_id", "remove_id"):
                self.put(f"sys/bus/dax/drivers/{driver}/{a}", "")
            self.link(f"sys/bus/dax/drivers/{driver}", f"{dev}/driver")

    def memblock(self, n, state, zone=None):
        self.put(f"sys/devices/system/memory/memory{n}/state", state)
        if zone:
            self.put(f"sys/devices/system/memory/memory{n}/valid_zones", zone)

    def node(self, n, total_kb, free_kb, tier=None):
        self.put(f"sys/devices/system/node/node{n}/meminfo",
                 f"Node {n} MemTotal:       {total_kb} kB\nNode {n} MemFree:        {free_kb} kB")
        if tier is not None:
            self.put(f"sys/devices/virtual/memory_tiering/memory_tier{tier}/nodelist", n)

    def pool(self, pid, start, size, pages, used, state="active"):
        p = f"sys/devices/virtual/misc/svm_cxl/pools/pool{pid}"
        self.put(f"{p}/start", hex(start))
        self.put(f"{p}/size", size)
        self.put(f"{p}/pages", pages)
        self.put(f"{p}/used", used)
        self.put(f"{p}/state", state)


MIB = 1 << 20


def topology(root):
    """Two windows: decoder0.0 (2-way over pci0000:0c and pci0000:de) with region0 over
    mem0+mem1 online as numa (kmem, 4 movable blocks, node 1 in memory tier 4) and region2,
    half-built (uncommitted, disabled, stale: target1 never set); decoder0.1 (1-way over
    pci0000:0f) with region1 over mem2 as a coherent pool. mem2's serial has its top bit
    set; mem3 (serial 0) has no endpoint: cxl_mem did not bind it."""
    t = Tree(root)
    t.window("decoder0.0", 0x490000000, 4 << 30, 4096, [(12, "pci0000:0c"), (222, "pci0000:de")])
    t.window("decoder0.1", 0x590000000, 1 << 30, 256, [(15, "pci0000:0f")])
    t.memdev("mem0", "pci0000:0c", "0000:0d:00.0", 1, 256 * MIB, "endpoint3", "port2")
    t.memdev("mem1", "pci0000:de", "0000:df:00.0", 2, 256 * MIB, "endpoint4", "port1")
    t.memdev("mem2", "pci0000:0f", "0000:10:00.0", 0x8000000000000001, 256 * MIB,
             "endpoint5", "port6")
    t.memdev("mem3", "pci0000:0f", "0000:11:00.0", 0, 256 * MIB)
    t.region("region0", "decoder0.0", 0x490000000, 512 * MIB, 4096,
             ["decoder3.0", "decoder4.0"], dax="dax0.0", dax_driver="kmem", node=1)
    for b in range(146, 150):
        t.memblock(b, "online", "Movable")
    t.node(1, 512 * 1024, 256 * 1024, tier=4)
    t.region("region1", "decoder0.1", 0x590000000, 256 * MIB, 256, ["decoder5.0"],
             dax="dax1.0", node=2)
    t.pool(3, 0x590000000, 256 * MIB, 65536, 16)
    t.region("region2", "decoder0.0", 0x4b0000000, 512 * MIB, 4096, ["decoder3.1", ""],
             enabled=False, committed=False)
    t.put("sys/devices/system/memory/block_size_bytes", "8000000")
    t.put("sys/devices/system/memory/auto_online_blocks", "offline")
    return t
