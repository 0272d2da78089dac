// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel modules through libkmod (the library never runs modprobe). */
#include <errno.h>
#include <string.h>
#include <libkmod.h>

#include "private.h"

static struct kmod_module *lookup(struct svm_ctx *ctx, struct kmod_ctx **kctx,
				  const char *name)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;

	*kctx = kmod_new(NULL, NULL);
	if (!*kctx)
		return NULL;
	if (kmod_module_new_from_lookup(*kctx, name, &list) < 0 || !list)
		return NULL;
	kmod_list_foreach(l, list) {
		mod = kmod_module_get_module(l);
		break;
	}
	kmod_module_unref_list(list);
	return mod;
}

SVM_EXPORT bool svm_module_is_available(struct svm_ctx *ctx, const char *name)
{
	struct kmod_ctx *kctx;
	struct kmod_module *mod;
	bool ok = false;

	if (svm_module_is_loaded(ctx, name))
		return true;
	mod = lookup(ctx, &kctx, name);
	if (mod) {
		ok = kmod_module_get_path(mod) != NULL;
		kmod_module_unref(mod);
	}
	if (kctx)
		kmod_unref(kctx);
	return ok;
}

/*
 * Whether @name could be loaded the way svm_kmod_load() loads it, without loading it:
 * callers ask before a change that cannot be taken back (assembling a region sets its
 * decoders' mode, which sysfs cannot set back to none), so that a missing or
 * blacklisted module refuses the request with nothing changed.
 */
SVM_EXPORT int svm_module_check(struct svm_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *allowed = NULL;
	struct kmod_ctx *kctx;
	int rc = 0;

	if (svm_module_is_loaded(ctx, name))
		return 0;
	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return svm_fail(ctx, -ENOMEM, "%s: libkmod: out of memory", name);
	if (kmod_module_new_from_lookup(kctx, name, &list) < 0 || !list) {
		rc = svm_fail(ctx, -ENOPKG, "the %s module is not installed for this kernel", name);
		goto out;
	}
	/* KMOD_PROBE_APPLY_BLACKLIST's rule: a "blacklist NAME" line in modprobe.d */
	if (kmod_module_apply_filter(kctx, KMOD_FILTER_BLACKLIST, list, &allowed) < 0)
		rc = svm_fail(ctx, -ENOMEM, "%s: libkmod: cannot read the modprobe.d blacklist", name);
	else if (!allowed)
		rc = svm_fail(ctx, -EPERM, "the %s module is blacklisted in modprobe.d; nothing was changed", name);
	kmod_module_unref_list(allowed);
	kmod_module_unref_list(list);
out:
	kmod_unref(kctx);
	return rc;
}

int svm_kmod_load(struct svm_ctx *ctx, const char *name)
{
	struct kmod_ctx *kctx;
	struct kmod_module *mod;
	int rc;

	if (svm_module_is_loaded(ctx, name))
		return 0;
	mod = lookup(ctx, &kctx, name);
	if (!mod) {
		if (kctx)
			kmod_unref(kctx);
		/* not -ENOENT: callers tell "no such module" from "no such object" by errno */
		return -ENOPKG;
	}
	/* a "blacklist NAME" line in modprobe.d is the operator's word, as for modprobe
	 * and ndctl: a positive return means the blacklist stopped the load */
	rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
					     NULL);
	dbg(ctx, "load %s: %d\n", name, rc);
	kmod_module_unref(mod);
	kmod_unref(kctx);
	return rc > 0 ? -EPERM : rc;
}

int svm_kmod_unload(struct svm_ctx *ctx, const char *name)
{
	struct kmod_ctx *kctx;
	struct kmod_module *mod;
	int rc;

	if (!svm_module_is_loaded(ctx, name))
		return 0;
	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return -ENOMEM;
	rc = kmod_module_new_from_name(kctx, name, &mod);
	if (!rc) {
		rc = kmod_module_remove_module(mod, 0);
		kmod_module_unref(mod);
	}
	kmod_unref(kctx);
	return rc;
}
