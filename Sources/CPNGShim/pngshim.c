#include "pngshim.h"
int tv_png_shim_version(void) { return 1; }
