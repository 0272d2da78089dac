/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm-cxlctl's exit codes: stable, for scripts. usage(), the cli.h enum and the EXIT
 * STATUS section of every man page (docs/man/gen-fragments.py) come from this table.
 * Unlike ndctl, which exits with a truncated -errno, each code names a class of outcome;
 * errno_to_exit() maps library errors onto them. One code per line, in this exact form:
 *   SVM_EXIT(NAME, value, "meaning")
 */
SVM_EXIT(EXIT_OK, 0, "done, or nothing to do (the object was already in the requested state; a list filter matched nothing)")
SVM_EXIT(EXIT_FAIL, 1, "the operation failed and the object was left as it was; the message says why and what to do")
SVM_EXIT(EXIT_USAGE, 2, "bad command line (unknown word, bad option value, bad filter); nothing was changed")
SVM_EXIT(EXIT_NOTFOUND, 3, "a named object (region, memdev, decoder, policy file) does not exist")
SVM_EXIT(EXIT_BUSY, 4, "busy: the memory is in use (unmovable or pinned pages, pool pages that cannot move), online in the other mode, or the lock is held")
SVM_EXIT(EXIT_PERM, 5, "needs CAP_SYS_ADMIN")
SVM_EXIT(EXIT_UNSUPPORTED, 6, "a kernel module or feature is missing")
SVM_EXIT(EXIT_TIMEOUT, 7, "a deadline passed")
