#ifndef TRAINVIZ_PNGSHIM_H
#define TRAINVIZ_PNGSHIM_H
/* placeholder until the PNG layer lands */
int tv_png_shim_version(void);
#endif
