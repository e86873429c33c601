/* The schedule module's interface to the trainer and the ODE, which keep
 * their own copies of the schedules attached to them. */
#ifndef AEDYN_SCHEDULE_INTERNAL_H
#define AEDYN_SCHEDULE_INTERNAL_H

#include "common-private.h"

/* A deep copy of s into *out (untouched on failure); AEDYN_ERR_NOMEM. */
aedyn_status aedyn__schedule_copy(const aedyn_schedule *s, aedyn_schedule **out);

#endif
