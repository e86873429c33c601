/* The trainer's interface to the analyses built on it (replica ensembles),
 * which make many trainers that train exactly as one template does. */
#ifndef AEDYN_SGD_INTERNAL_H
#define AEDYN_SGD_INTERNAL_H

#include <stdint.h>
#include "common-private.h"

/* Make dst train as src does from src's current time on: learning rates,
 * weight decay, denoising, skip rate (followed or set), copies of the
 * schedules, and the step count (hence the time the schedules are read
 * at). dst must have been created with src's rule on a network like src's.
 * On failure (AEDYN_ERR_NOMEM) dst is unchanged. */
aedyn_status aedyn__sgd_copy_settings(aedyn_sgd *dst, const aedyn_sgd *src);

#endif
