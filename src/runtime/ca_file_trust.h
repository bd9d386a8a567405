// SPDX-License-Identifier: LGPL-2.1-or-later
// ssl-ca-file for the readers that take a whole TLS database rather than a
// per-certificate decision: souphttpsrc (its own ssl-ca-file is ignored with
// libsoup 3, and a GTlsFileDatabase would replace the system's CAs rather
// than add to them) and a SoupSession of the command's own.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <string>

namespace idf {

// A database that trusts the system's CAs and, besides them, those of the
// PEM file `ca_file`. nullptr, with `error` saying why, when the file cannot
// be read as certificates.
GTlsDatabase *ca_file_database_new(const std::string &ca_file, std::string &error);

// Has `source` (souphttpsrc, or any source with a tls-database property)
// trust `ca_file` besides the system's CAs. Nothing when `ca_file` is "" or
// the source has no such property; a warning on the source's category when
// the file cannot be read (the read then fails as without it).
void trust_ca_file_in_source(GstElement *source, const std::string &ca_file);

}  // namespace idf
