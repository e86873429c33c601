/**
 * @file aedyn-status.h
 * @brief Export macro, status codes and error messages of libaedyn.
 *
 * Every fallible call of the library returns an ::aedyn_status. Zero is
 * success, failures are stable, explicitly numbered negative codes. After a
 * failed call, aedyn_error_message() returns a thread-local sentence saying
 * what exactly was wrong ("D must be >= 1, got 0").
 */
#ifndef AEDYN_STATUS_H
#define AEDYN_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** @def AEDYN_API
 * Marks a declaration as part of the public, exported ABI. @since 0.2 */
#if defined(_WIN32) && defined(AEDYN_BUILDING)
#define AEDYN_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define AEDYN_API __attribute__((visibility("default")))
#else
#define AEDYN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The one list of status codes: X(name, value, description).
 * Values are part of the ABI and never change or get reused.
 * @since 0.2
 */
#define AEDYN_STATUS_LIST(X)                                                   \
    X(OK, 0, "success")                                                        \
    X(ERR_NULL, -1, "a required pointer argument is NULL")                     \
    X(ERR_INVALID, -2, "invalid argument value")                               \
    X(ERR_SIZE, -3, "invalid or inconsistent size")                            \
    X(ERR_NOMEM, -4, "out of memory")                                          \
    X(ERR_NOT_PSD, -5, "matrix is not symmetric positive semi-definite")       \
    X(ERR_DIVERGED, -6, "dynamics diverged (non-finite or overflowing values)") \
    X(ERR_UNSUPPORTED, -7, "unsupported combination of options")               \
    X(ERR_NUMERIC, -8, "a numerical routine failed")                           \
    X(ERR_IO, -9, "input/output error")                                        \
    X(ERR_FORMAT, -10, "malformed or unsupported file format")

/**
 * Status returned by every fallible libaedyn call (AEDYN_OK == 0).
 * @since 0.2
 */
typedef enum aedyn_status {
/** @cond INTERNAL */
#define AEDYN_STATUS_ENUM_(name, value, text) AEDYN_##name = value,
/** @endcond */
    AEDYN_STATUS_LIST(AEDYN_STATUS_ENUM_)
#undef AEDYN_STATUS_ENUM_
    AEDYN_STATUS_MIN_ = -10 /**< most negative code in use (not a status) */
} aedyn_status;

/**
 * Static description of a status code. Never returns NULL: unknown codes give
 * "unknown status".
 * @since 0.2
 */
AEDYN_API const char *aedyn_strerror(aedyn_status status);

/**
 * Detail message of the last failed call on this thread (e.g. "K must be
 * <= D (got K = 5, D = 3)"). Never NULL; an empty string when no call has
 * failed on this thread. Only meaningful right after a call returned a
 * non-OK status; successful calls do not clear it.
 * @since 0.2
 */
AEDYN_API const char *aedyn_error_message(void);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_STATUS_H */
