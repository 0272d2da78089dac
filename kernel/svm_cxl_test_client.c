// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl_test_client: a stand-in for an accelerator driver, for the guest tests only
 * (installed with the tests, never with the module). On load it looks a pool up through
 * the in-kernel API, checks what the API reports, and holds @npages device pages
 * (written with a pattern) until it is unloaded, when it checks the pattern and frees
 * them. While it holds pages, removing the pool must fail with -EBUSY.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <linux/svm_cxl.h>

static unsigned int pool_id;
module_param(pool_id, uint, 0444);
MODULE_PARM_DESC(pool_id, "pool to allocate from");
static unsigned int npages = 16;
module_param(npages, uint, 0444);
MODULE_PARM_DESC(npages, "device pages to hold while loaded");

static struct svm_cxl_pool *pool;
static struct page **pages;
static unsigned int held;

static void client_fill(struct page *page, unsigned int i)
{
	u32 *p = kmap_local_page(page);
	unsigned int j;

	for (j = 0; j < PAGE_SIZE / sizeof(*p); j++)
		p[j] = i * 0x9e3779b9u + j;
	kunmap_local(p);
}

static bool client_check(struct page *page, unsigned int i)
{
	u32 *p = kmap_local_page(page);
	unsigned int j;
	bool ok = true;

	for (j = 0; j < PAGE_SIZE / sizeof(*p) && ok; j++)
		ok = p[j] == i * 0x9e3779b9u + j;
	kunmap_local(p);
	return ok;
}

static int __init client_init(void)
{
	struct svm_cxl_pool *by_phys;
	unsigned int i;
	int rc = -EINVAL;

	pool = svm_cxl_pool_get(pool_id);
	if (!pool) {
		pr_err("no pool %u\n", pool_id);
		return -ENOENT;
	}
	pages = kcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		rc = -ENOMEM;
		goto err_put_pool;
	}
	for (held = 0; held < npages; held++) {
		pages[held] = svm_cxl_page_alloc(pool);
		if (!pages[held]) {
			pr_err("allocation %u of %u failed\n", held, npages);
			rc = -ENOMEM;
			goto err_free_pages;
		}
		if (svm_cxl_page_pool(pages[held]) != pool) {
			pr_err("svm_cxl_page_pool() does not name the pool\n");
			held++;
			goto err_free_pages;
		}
		client_fill(pages[held], held);
	}
	if (npages) {
		by_phys = svm_cxl_pool_get_by_phys(PFN_PHYS(page_to_pfn(pages[0])));
		if (by_phys != pool) {
			pr_err("svm_cxl_pool_get_by_phys() gave another pool\n");
			if (by_phys)
				svm_cxl_pool_put(by_phys);
			goto err_free_pages;
		}
		svm_cxl_pool_put(by_phys);
	}
	pr_info("holding %u pages of pool%u (node %d)\n", held, svm_cxl_pool_id(pool),
		svm_cxl_pool_node(pool));
	return 0;

err_free_pages:
	for (i = 0; i < held; i++)
		svm_cxl_page_free(pages[i]);
	kfree(pages);
err_put_pool:
	svm_cxl_pool_put(pool);
	return rc;
}

static void __exit client_exit(void)
{
	unsigned int i, bad = 0;

	for (i = 0; i < held; i++) {
		bad += !client_check(pages[i], i);
		svm_cxl_page_free(pages[i]);
	}
	kfree(pages);
	svm_cxl_pool_put(pool);
	if (bad)
		pr_err("%u of %u pages lost their pattern\n", bad, held);
	else
		pr_info("released %u pages, pattern intact\n", held);
}

module_init(client_init);
module_exit(client_exit);

MODULE_DESCRIPTION("svm_cxl in-kernel API test client (guest tests only)");
MODULE_LICENSE("GPL");
