// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

// Values match idf::Provider and idf::ValidationMode.
typedef enum { IDF_PROVIDER_KLING = 0, IDF_PROVIDER_KIRIN = 1, IDF_PROVIDER_LOCAL = 2 } IdfProviderEnum;
typedef enum { IDF_VALIDATION_STRICT = 0, IDF_VALIDATION_WARN = 1, IDF_VALIDATION_OFF = 2 } IdfValidationEnum;
typedef enum { IDF_ON_ERROR_ERROR = 0, IDF_ON_ERROR_WARNING = 1 } IdfOnErrorEnum;

GType idf_provider_get_type(void);
GType idf_validation_get_type(void);
GType idf_on_error_get_type(void);

G_END_DECLS
