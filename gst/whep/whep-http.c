/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The parts of WHEP's HTTP handling that are plain string work: checking a
 * bearer token, choosing the CORS origin to answer with, advertising ICE
 * servers in Link headers (RFC 9725 4.4), naming the ICE session in an
 * entity tag (RFC 9725 4.3.1), and naming sessions behind a load balancer. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-http.h"

#include <gst/gst.h>

#include <string.h>

#define GST_CAT_DEFAULT whep_http_debug
GST_DEBUG_CATEGORY_STATIC (whep_http_debug);

/* hex digits of the SHA-256 kept in an entity tag: 64 bits are plenty to
 * tell one ICE session of a WHEP session from the next */
#define ETAG_HEX_DIGITS 16

static void
ensure_debug_category (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (whep_http_debug, "whephttp", 0,
        "WHEP HTTP header rules");
    g_once_init_leave (&initialized, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* whep_bearer_token_matches()                                              */

/* Compares every byte up to the longer of the two lengths, whatever the
 * bytes are, so that the time taken does not tell an attacker how much of
 * a guess was right.  The lengths themselves are not secret: the loop
 * count reveals the longer one. */
static gboolean
equal_in_constant_time (const gchar * a, gsize a_len, const gchar * b,
    gsize b_len)
{
  /* volatile: keeps the compiler from turning the loop into a memcmp()
   * that stops at the first difference */
  volatile guint8 diff = 0;
  gsize n = MAX (a_len, b_len), i;

  for (i = 0; i < n; i++) {
    guint8 x = i < a_len ? (guint8) a[i] : 0;
    guint8 y = i < b_len ? (guint8) b[i] : 0;

    diff |= x ^ y;
  }
  /* a length difference counts without an early exit, also when the
   * shorter string is a prefix of the longer one */
  return (diff | (a_len ^ b_len)) == 0;
}

gboolean
whep_bearer_token_matches (const gchar * authorization, const gchar * token)
{
  const gchar *credentials;
  gsize len;

  /* an unset token would otherwise let "Bearer " in */
  if (token == NULL || *token == '\0' || authorization == NULL)
    return FALSE;

  /* RFC 9110 11.4: credentials = auth-scheme [ 1*SP token68 ], the scheme
   * case-insensitive; RFC 6750 2.1 names it "Bearer" */
  if (g_ascii_strncasecmp (authorization, "Bearer", 6) != 0
      || authorization[6] != ' ')
    return FALSE;
  credentials = authorization + 6;
  while (*credentials == ' ')
    credentials++;

  /* RFC 9110 5.5: white space around a field value is not part of it */
  len = strlen (credentials);
  while (len > 0 && (credentials[len - 1] == ' '
          || credentials[len - 1] == '\t'))
    len--;

  return equal_in_constant_time (credentials, len, token, strlen (token));
}

/* ------------------------------------------------------------------------ */
/* whep_cors_allow_origin()                                                 */

gchar *
whep_cors_allow_origin (const gchar * origin, const gchar * const *allowed)
{
  guint i;

  /* "*" in the list is the same as no list: any origin, and requests
   * without Origin (curl, GStreamer's whepsrc) get "*" too */
  if (allowed == NULL || allowed[0] == NULL
      || g_strv_contains (allowed, "*"))
    return g_strdup ("*");

  if (origin == NULL || *origin == '\0')
    return NULL;

  /* Browsers send the serialized origin (RFC 6454 6.2): lower-case scheme
   * and host, no default port, no trailing "/".  Anything else in the list
   * is a configuration error that an exact match makes visible instead of
   * papering over. */
  for (i = 0; allowed[i] != NULL; i++) {
    if (g_str_equal (origin, allowed[i]))
      return g_strdup (origin);
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* whep_link_for_ice_server()                                               */

/* "[2001:db8::1]" with brackets, as a URI needs an IPv6 literal; NULL if
 * @host holds anything but what host names and IP addresses are made of
 * (so nothing that could close the <> of the Link value, either). */
static gchar *
host_for_uri (const gchar * host)
{
  const gchar *p;

  if (host == NULL || *host == '\0')
    return NULL;
  for (p = host; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != ':')
      return NULL;
  }
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]", host);
  return g_strdup (host);
}

/* The percent-decoded @encoded, or NULL if it does not decode or decodes
 * to something a quoted-string cannot carry (RFC 9110 5.6.4: no control
 * characters but tab, hence no header injection with %0D%0A). */
static gchar *
decode_credential (const gchar * encoded)
{
  gchar *decoded;
  const gchar *p;

  if (encoded == NULL || *encoded == '\0')
    return NULL;
  /* NULL for a bad escape and for %00 */
  decoded = g_uri_unescape_string (encoded, NULL);
  if (decoded == NULL || *decoded == '\0') {
    g_free (decoded);
    return NULL;
  }
  for (p = decoded; *p != '\0'; p++) {
    guchar u = (guchar) * p;

    if ((u < 0x20 && u != '\t') || u == 0x7f) {
      g_free (decoded);
      return NULL;
    }
  }
  return decoded;
}

/* RFC 9110 5.6.4 quoted-string */
static void
append_quoted (GString * out, const gchar * value)
{
  const gchar *p;

  g_string_append_c (out, '"');
  for (p = value; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (out, '\\');
    g_string_append_c (out, *p);
  }
  g_string_append_c (out, '"');
}

/* The lower-case value of the one query parameter "transport", "udp" or
 * "tcp" (RFC 7065 3.1).  FALSE if the query holds anything else, also a
 * second "transport". */
static gboolean
parse_transport (const gchar * query, gchar ** transport)
{
  GUriParamsIter iter;
  GError *err = NULL;
  gchar *name = NULL, *value = NULL;
  guint n = 0;
  gboolean ok = TRUE;

  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_NONE);
  while (ok && g_uri_params_iter_next (&iter, &name, &value, &err)) {
    if (++n == 1 && g_ascii_strcasecmp (name, "transport") == 0
        && (g_ascii_strcasecmp (value, "udp") == 0
            || g_ascii_strcasecmp (value, "tcp") == 0))
      *transport = g_ascii_strdown (value, -1);
    else
      ok = FALSE;
    g_free (name);
    g_free (value);
  }
  /* a parameter that does not decode, or none at all ("host?") */
  if (err != NULL || n == 0)
    ok = FALSE;
  g_clear_error (&err);

  if (!ok)
    g_clear_pointer (transport, g_free);
  return ok;
}

gchar *
whep_link_for_ice_server (const gchar * uri)
{
  const gchar *colon, *why = NULL;
  gchar *scheme = NULL, *hierarchical = NULL, *host = NULL;
  gchar *user = NULL, *password = NULL, *transport = NULL;
  GUri *parsed = NULL;
  GString *link = NULL;
  gboolean is_turn;
  gint port;

  ensure_debug_category ();

  if (uri == NULL || (colon = strchr (uri, ':')) == NULL) {
    why = "no scheme";
    goto done;
  }

  scheme = g_ascii_strdown (uri, colon - uri);
  if (!g_str_equal (scheme, "stun") && !g_str_equal (scheme, "stuns")
      && !g_str_equal (scheme, "turn") && !g_str_equal (scheme, "turns")) {
    why = "not a STUN or TURN URI";
    goto done;
  }
  is_turn = scheme[0] == 't';

  /* RFC 7064 / 7065 URIs ("stun:host:port") have no authority part; with
   * one, GUri reads them exactly like webrtcbin's "stun://host:port" */
  if (!g_str_has_prefix (colon + 1, "//"))
    hierarchical = g_strconcat (scheme, "://", colon + 1, NULL);

  /* ENCODED: the user name and password are decoded below, where a %00
   * can be refused */
  parsed = g_uri_parse (hierarchical ? hierarchical : uri,
      G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (parsed == NULL) {
    why = "not a URI";
    goto done;
  }

  if (*g_uri_get_path (parsed) != '\0'
      || g_uri_get_fragment (parsed) != NULL) {
    why = "has a path or fragment";
    goto done;
  }

  host = host_for_uri (g_uri_get_host (parsed));
  if (host == NULL) {
    why = "bad host";
    goto done;
  }

  port = g_uri_get_port (parsed);
  if (port == 0) {
    why = "port 0";
    goto done;
  }

  /* a STUN server takes no credentials, a TURN server both (or none, in
   * the RFC 7065 form) */
  if (g_uri_get_user (parsed) != NULL
      || g_uri_get_password (parsed) != NULL) {
    if (!is_turn) {
      why = "credentials for a STUN server";
      goto done;
    }
    user = decode_credential (g_uri_get_user (parsed));
    password = decode_credential (g_uri_get_password (parsed));
    if (user == NULL || password == NULL) {
      why = "bad user name or password";
      goto done;
    }
  }

  if (g_uri_get_query (parsed) != NULL
      && (!is_turn || !parse_transport (g_uri_get_query (parsed),
              &transport))) {
    why = "bad query";
    goto done;
  }

  link = g_string_new ("<");
  g_string_append_printf (link, "%s:%s", scheme, host);
  if (port > 0)
    g_string_append_printf (link, ":%d", port);
  if (transport != NULL)
    g_string_append_printf (link, "?transport=%s", transport);
  g_string_append (link, ">; rel=\"ice-server\"");
  if (user != NULL) {
    g_string_append (link, "; username=");
    append_quoted (link, user);
    g_string_append (link, "; credential=");
    append_quoted (link, password);
    g_string_append (link, "; credential-type=\"password\"");
  }

done:
  /* not the URI: it may hold a TURN password */
  if (why != NULL)
    GST_DEBUG ("cannot advertise an ICE server: %s", why);
  g_free (transport);
  g_free (password);
  g_free (user);
  g_free (host);
  if (parsed != NULL)
    g_uri_unref (parsed);
  g_free (hierarchical);
  g_free (scheme);
  return link ? g_string_free (link, FALSE) : NULL;
}

/* ------------------------------------------------------------------------ */
/* whep_etag_for_ice()                                                      */

gchar *
whep_etag_for_ice (const gchar * session_id, const gchar * ice_ufrag)
{
  gchar *input, *digest, *etag;

  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (ice_ufrag != NULL, NULL);

  /* neither a session id (hex) nor a ufrag (ice-chars) contains ":", so
   * no two pairs give the same input */
  input = g_strconcat (session_id, ":", ice_ufrag, NULL);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, input, -1);
  etag = g_strdup_printf ("\"%.*s\"", ETAG_HEX_DIGITS, digest);
  g_free (digest);
  g_free (input);

  return etag;
}

/* ------------------------------------------------------------------------ */
/* Session URLs behind a load balancer                                      */

#define MAX_INSTANCE_ID_LENGTH 64

gboolean
whep_instance_id_is_valid (const gchar * instance_id)
{
  gsize len;
  const gchar *p;

  if (instance_id == NULL)
    return FALSE;
  len = strlen (instance_id);
  if (len == 0 || len > MAX_INSTANCE_ID_LENGTH)
    return FALSE;
  /* dot segments would be resolved away by clients and proxies */
  if (strcmp (instance_id, ".") == 0 || strcmp (instance_id, "..") == 0)
    return FALSE;
  for (p = instance_id; *p; p++) {
    if (!g_ascii_isalnum (*p) && !strchr ("-_.~", *p))
      return FALSE;
  }
  return TRUE;
}

gboolean
whep_public_url_is_valid (const gchar * url)
{
  GUri *uri;
  gboolean valid;

  if (url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  valid = (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0) &&
      g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
      g_uri_get_userinfo (uri) == NULL && g_uri_get_query (uri) == NULL &&
      g_uri_get_fragment (uri) == NULL;
  g_uri_unref (uri);
  return valid;
}

gchar *
whep_public_resource_url (const gchar * public_url, const gchar * path)
{
  gsize len;

  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  if (public_url == NULL || *public_url == '\0')
    return g_strdup (path);
  /* "https://lb.example/" + "/whep": one slash, not two */
  len = strlen (public_url);
  while (len > 0 && public_url[len - 1] == '/')
    len--;
  return g_strdup_printf ("%.*s%s", (int) len, public_url, path);
}

gchar *
whep_session_base_path (const gchar * path, const gchar * instance_id)
{
  g_return_val_if_fail (path != NULL, NULL);

  if (instance_id == NULL || *instance_id == '\0')
    return g_strdup (path);
  return g_strconcat (path, "/", instance_id, NULL);
}

WhepSessionRoute
whep_session_route (const gchar * rest, const gchar * instance_id,
    const gchar ** session_id)
{
  const gchar *slash;
  gchar *owner;
  gboolean own;

  *session_id = NULL;
  if (rest == NULL || *rest == '\0')
    return WHEP_SESSION_ROUTE_NONE;
  if (instance_id != NULL && *instance_id == '\0')
    instance_id = NULL;

  slash = strchr (rest, '/');
  if (slash == NULL) {
    if (instance_id != NULL)
      return WHEP_SESSION_ROUTE_NONE;
    *session_id = rest;
    return WHEP_SESSION_ROUTE_OWN;
  }
  /* "<instance>/<id>": exactly two non-empty segments */
  if (slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return WHEP_SESSION_ROUTE_NONE;

  owner = g_strndup (rest, slash - rest);
  own = instance_id != NULL && strcmp (owner, instance_id) == 0;
  if (!own && !whep_instance_id_is_valid (owner)) {
    g_free (owner);
    return WHEP_SESSION_ROUTE_NONE;
  }
  g_free (owner);
  if (!own)
    return WHEP_SESSION_ROUTE_OTHER;
  *session_id = slash + 1;
  return WHEP_SESSION_ROUTE_OWN;
}
