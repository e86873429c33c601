/* Status codes and thread-local detail messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "common-private.h"

static _Thread_local char detail[512];

AEDYN_API const char *aedyn_strerror(aedyn_status status)
{
    switch (status) {
#define AEDYN_STATUS_CASE_(name, value, text) case AEDYN_##name: return text;
        AEDYN_STATUS_LIST(AEDYN_STATUS_CASE_)
#undef AEDYN_STATUS_CASE_
    default:
        return "unknown status";
    }
}

AEDYN_API const char *aedyn_error_message(void)
{
    return detail;
}

aedyn_status aedyn__fail(aedyn_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return status;
}

bool aedyn__mul_size(size_t n, size_t m, size_t *out)
{
    if (m != 0 && n > SIZE_MAX / m)
        return false;
    *out = n * m;
    return true;
}

void *aedyn__calloc(size_t n, size_t size)
{
    size_t bytes;
    if (!aedyn__mul_size(n, size, &bytes) || bytes == 0)
        return NULL;
    return calloc(n, size);
}

aedyn_status aedyn__check_finite(const char *fn, const char *what, const double *x, size_t n)
{
    for (size_t i = 0; x && i < n; i++)
        if (!isfinite(x[i]))
            return aedyn__fail(AEDYN_ERR_DIVERGED, "%s: %s is not finite (entry %zu is %g): the "
                               "weights are too large", fn, what, i, x[i]);
    return AEDYN_OK;
}

bool aedyn__all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}
