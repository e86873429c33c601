/* Run-time version of the linked library. */
#include "common-private.h"

AEDYN_API unsigned aedyn_version(void)
{
    return AEDYN_VERSION_NUMBER;
}

AEDYN_API const char *aedyn_version_string(void)
{
    return AEDYN_VERSION_STRING;
}
