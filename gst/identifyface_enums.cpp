// SPDX-License-Identifier: LGPL-2.1-or-later
#include "identifyface_enums.h"

#define DEFINE_ENUM_TYPE(func, type_name, values_array)          \
  GType func(void) {                                             \
    static gsize id = 0;                                         \
    if (g_once_init_enter(&id)) {                                \
      GType t = g_enum_register_static(type_name, values_array); \
      g_once_init_leave(&id, t);                                 \
    }                                                            \
    return (GType)id;                                            \
  }

static const GEnumValue provider_values[] = {
    {IDF_PROVIDER_KLING, "Kling identify-face API (synchronous)", "kling"},
    {IDF_PROVIDER_KIRIN, "Kirin asynchronous task API (submit, then poll)", "kirin"},
    {IDF_PROVIDER_LOCAL, "Offline face detection on this machine (no network, no key)", "local"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(idf_provider_get_type, "GstIdentifyFaceProvider", provider_values)

static const GEnumValue validation_values[] = {
    {IDF_VALIDATION_STRICT, "Reject a clip that breaks a limit; send nothing", "strict"},
    {IDF_VALIDATION_WARN, "Post a warning naming the broken limits, then send", "warn"},
    {IDF_VALIDATION_OFF, "Do not check the clip", "off"},
    {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(idf_validation_get_type, "GstIdentifyFaceValidation", validation_values)

static const GEnumValue on_error_values[] = {{IDF_ON_ERROR_ERROR, "Post an error: the pipeline stops", "error"},
                                             {IDF_ON_ERROR_WARNING, "Post a warning: the stream goes on", "warning"},
                                             {0, nullptr, nullptr}};
DEFINE_ENUM_TYPE(idf_on_error_get_type, "GstIdentifyFaceOnError", on_error_values)
