// SPDX-License-Identifier: GPL-2.0-only
/* svm_cxl: the tracepoints' definitions (svm_cxl_trace.h); the call sites include it. */
#define CREATE_TRACE_POINTS
#include "svm_cxl_trace.h"
