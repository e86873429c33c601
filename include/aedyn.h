/**
 * @file aedyn.h
 * @brief Umbrella header of libaedyn: includes every public module header.
 */
#ifndef AEDYN_H
#define AEDYN_H
#include "aedyn/aedyn-status.h"
#include "aedyn/aedyn-version.h"
#include "aedyn/aedyn-rng.h"
#include "aedyn/aedyn-schedule.h"
#include "aedyn/aedyn-data.h"
#include "aedyn/aedyn-net.h"
#include "aedyn/aedyn-sgd.h"
#include "aedyn/aedyn-ode.h"
#include "aedyn/aedyn-analysis.h"
#include "aedyn/aedyn-images.h"
#include "aedyn/aedyn-npy.h"
#include "aedyn/aedyn-enum.h"
#include "aedyn/aedyn-grid.h"
#include "aedyn/aedyn-replicas.h"
#include "aedyn/aedyn-chain.h"
#include "aedyn/aedyn-band.h"
#endif
