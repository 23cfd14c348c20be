// allow_all.c built as another object with the same map (see there).
#define ALLOW_ALL_V2
#include "allow_all.c"
