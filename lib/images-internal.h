/* The image module's interface to the data module: the pixel rows of a set,
 * shared by reference counting, so that a data model that samples real
 * images (lib/data-images.c) keeps them alive and unchanged whatever later
 * happens to the set (destroyed, or preprocessed: that copies the rows first
 * when they are shared). The count is atomic: two threads may release rows of
 * one set at the same time. */
#ifndef AEDYN_IMAGES_INTERNAL_H
#define AEDYN_IMAGES_INTERNAL_H

#include "common-private.h"

/* n x D immutable rows of doubles, reference counted. */
typedef struct aedyn__rows aedyn__rows;

/* The set's current rows, with one more reference (never NULL for a set). */
aedyn__rows *aedyn__images_rows(const aedyn_images *imgs);

/* Drop a reference (NULL is a no-op); the last one frees the rows. */
void aedyn__rows_release(aedyn__rows *rows);

const double *aedyn__rows_data(const aedyn__rows *rows);
size_t aedyn__rows_count(const aedyn__rows *rows);

#endif
