#ifndef FOODCOUNT_CRDKAFKA_SHIM_H
#define FOODCOUNT_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
