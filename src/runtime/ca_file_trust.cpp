// SPDX-License-Identifier: LGPL-2.1-or-later
#include "runtime/ca_file_trust.h"

#include "base/debug_categories.h"

#define GST_CAT_DEFAULT idf_http_debug

// A GTlsDatabase made of two: the CA file's, then the system's. Only chain
// verification and issuer lookups are asked of a client's database.
struct IdfCaFileDatabase {
  GTlsDatabase parent;
  GTlsDatabase *ca_file;
  GTlsDatabase *system;  // may be nullptr: no system trust store
};

struct IdfCaFileDatabaseClass {
  GTlsDatabaseClass parent_class;
};

static gpointer parent_class = nullptr;

#define IDF_CA_FILE_DATABASE(obj) (reinterpret_cast<IdfCaFileDatabase *>(obj))

static GTlsCertificateFlags verify_chain(GTlsDatabase *database, GTlsCertificate *chain, const gchar *purpose,
                                         GSocketConnectable *identity, GTlsInteraction *interaction,
                                         GTlsDatabaseVerifyFlags flags, GCancellable *cancellable, GError **error) {
  IdfCaFileDatabase *self = IDF_CA_FILE_DATABASE(database);
  GError *err = nullptr;
  unsigned by_file =
      g_tls_database_verify_chain(self->ca_file, chain, purpose, identity, interaction, flags, cancellable, &err);
  if (err) {
    by_file |= G_TLS_CERTIFICATE_GENERIC_ERROR;
    g_clear_error(&err);
  }
  // The file's database checks the chain; the name is checked here as well.
  if (identity) by_file |= g_tls_certificate_verify(chain, identity, nullptr) & G_TLS_CERTIFICATE_BAD_IDENTITY;
  if (by_file == 0 || !self->system) return (GTlsCertificateFlags)by_file;
  return g_tls_database_verify_chain(self->system, chain, purpose, identity, interaction, flags, cancellable, error);
}

static GTlsCertificate *lookup_certificate_issuer(GTlsDatabase *database, GTlsCertificate *certificate,
                                                  GTlsInteraction *interaction, GTlsDatabaseLookupFlags flags,
                                                  GCancellable *cancellable, GError **error) {
  IdfCaFileDatabase *self = IDF_CA_FILE_DATABASE(database);
  GTlsCertificate *issuer =
      g_tls_database_lookup_certificate_issuer(self->ca_file, certificate, interaction, flags, cancellable, nullptr);
  if (!issuer && self->system)
    issuer =
        g_tls_database_lookup_certificate_issuer(self->system, certificate, interaction, flags, cancellable, error);
  return issuer;
}

static GList *lookup_certificates_issued_by(GTlsDatabase *database, GByteArray *issuer_raw_dn,
                                            GTlsInteraction *interaction, GTlsDatabaseLookupFlags flags,
                                            GCancellable *cancellable, GError **error) {
  IdfCaFileDatabase *self = IDF_CA_FILE_DATABASE(database);
  GList *found = g_tls_database_lookup_certificates_issued_by(self->ca_file, issuer_raw_dn, interaction, flags,
                                                              cancellable, nullptr);
  if (self->system)
    found = g_list_concat(found, g_tls_database_lookup_certificates_issued_by(self->system, issuer_raw_dn, interaction,
                                                                              flags, cancellable, error));
  return found;
}

static void idf_ca_file_database_finalize(GObject *object) {
  IdfCaFileDatabase *self = IDF_CA_FILE_DATABASE(object);
  g_clear_object(&self->ca_file);
  g_clear_object(&self->system);
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void idf_ca_file_database_class_init(gpointer g_class, gpointer) {
  parent_class = g_type_class_peek_parent(g_class);
  G_OBJECT_CLASS(g_class)->finalize = idf_ca_file_database_finalize;
  GTlsDatabaseClass *db = G_TLS_DATABASE_CLASS(g_class);
  db->verify_chain = verify_chain;
  db->lookup_certificate_issuer = lookup_certificate_issuer;
  db->lookup_certificates_issued_by = lookup_certificates_issued_by;
}

// The core is linked into the plugin and into the command, which loads the
// plugin: each copy registers a type of its own, under a name of its own.
static GType idf_ca_file_database_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    gchar *name = g_strdup_printf("IdfCaFileDatabase_%p", (void *)&type);
    GType t = g_type_register_static_simple(G_TYPE_TLS_DATABASE, name, sizeof(IdfCaFileDatabaseClass),
                                            idf_ca_file_database_class_init, sizeof(IdfCaFileDatabase), nullptr,
                                            (GTypeFlags)0);
    g_free(name);
    g_once_init_leave(&type, t);
  }
  return (GType)type;
}

namespace idf {

GTlsDatabase *ca_file_database_new(const std::string &ca_file, std::string &error) {
  GError *err = nullptr;
  GTlsDatabase *file_db = g_tls_file_database_new(ca_file.c_str(), &err);
  if (!file_db) {
    error = "ssl-ca-file \"" + ca_file + "\" cannot be read as PEM certificates: " + (err ? err->message : "?");
    g_clear_error(&err);
    return nullptr;
  }
  auto *self = IDF_CA_FILE_DATABASE(g_object_new(idf_ca_file_database_get_type(), nullptr));
  self->ca_file = file_db;
  self->system = g_tls_backend_get_default_database(g_tls_backend_get_default());
  return G_TLS_DATABASE(self);
}

void trust_ca_file_in_source(GstElement *source, const std::string &ca_file) {
  if (ca_file.empty() || !g_object_class_find_property(G_OBJECT_GET_CLASS(source), "tls-database")) return;
  init_debug_categories();
  std::string error;
  GTlsDatabase *db = ca_file_database_new(ca_file, error);
  if (!db) {
    GST_WARNING_OBJECT(source, "%s", error.c_str());
    return;
  }
  g_object_set(source, "tls-database", db, nullptr);
  g_object_unref(db);
}

}  // namespace idf
