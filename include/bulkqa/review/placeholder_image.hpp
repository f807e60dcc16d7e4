// Stand-in pictures for the local demo, where the real photos are not at hand: small PNG images
// that tell images apart at a glance.
#pragma once

#include <string>
#include <string_view>

namespace bulkqa {

// The bytes of a PNG file (8-bit RGB, no interlace, uncompressed deflate inside): a background
// colour with diagonal stripes and a centered square, all derived deterministically from `seed`
// (an image path). The part of the seed before its first '/' picks the background's hue, so the
// images of one folder share a colour family; the whole seed picks the rest. The same seed always
// gives the same bytes. Throws std::invalid_argument for a width or height outside [1, 4096].
std::string placeholder_png(std::string_view seed, int width = 96, int height = 96);

}  // namespace bulkqa
