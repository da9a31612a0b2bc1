/**
 * The decoded image every stage shares: {@link io.tagclip.image.RgbImage}, interleaved 8-bit RGB pixels. The bottom
 * of the package order: it imports nothing of the project.
 */
package io.tagclip.image;
