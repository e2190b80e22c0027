/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* libFuzzer target: the header rules of whep-http.h (and the session id
 * check of whep-session-id.h) on request values a client chooses.
 *
 * Input (corpus/fuzz-http/): header values, one a line ("\n"); a missing
 * line is a missing header, an empty one an empty header:
 *   line 1  Authorization
 *   line 2  the endpoint's bearer token (the "auth-token" property)
 *   line 3  Origin
 *   line 4  If-Match
 *   line 5  the session id of the resource URL
 *   line 6  the session's ICE ufrag (named by the ETag)
 *   line 7+ allowed origins (the "allowed-origins" property)
 * and every line is also tried as an ICE server URI for a Link header.
 *
 * Checked beyond memory safety and leaks: a bearer token matches itself
 * and only itself; the CORS origin is "*", the request's own or none; an
 * ETag is '"' + 16 hex digits + '"' and If-Match with it matches; a valid
 * session id is 32 lower-case hex digits; a Link value has no control
 * characters (no header injection) and its URI in <>. */

#include "fuzz-common.h"

#include "whep-http.h"
#include "whep-session-id.h"

#include <string.h>

#define N_FIXED_LINES 6

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static gboolean
is_header_safe (const gchar * s)
{
  for (; *s != '\0'; s++) {
    guchar u = (guchar) * s;

    if ((u < 0x20 && u != '\t') || u == 0x7f)
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_lower_hex (const gchar * s, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  }
  return s[len] == '\0';
}

static void
fuzz_bearer (const gchar * authorization, const gchar * token)
{
  gboolean matches = whep_bearer_token_matches (authorization, token);
  gsize len;

  if (matches) {
    FUZZ_ASSERT (token != NULL && *token != '\0');
    FUZZ_ASSERT (g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0);
  }
  /* a fixed token, as configured */
  whep_bearer_token_matches (authorization, "sEcReT-t0ken_123");
  FUZZ_ASSERT (!whep_bearer_token_matches (authorization, NULL));
  FUZZ_ASSERT (!whep_bearer_token_matches (authorization, ""));
  FUZZ_ASSERT (!whep_bearer_token_matches (NULL, token));

  /* the right header for a token that has no surrounding white space
   * matches, in any spelling of the scheme; with one byte more it does
   * not */
  if (token == NULL || *token == '\0')
    return;
  len = strlen (token);
  if (token[0] != ' ' && token[len - 1] != ' ' && token[len - 1] != '\t') {
    gchar *header = g_strconcat ("Bearer ", token, NULL);
    gchar *spaced = g_strconcat ("bEARER   ", token, " \t ", NULL);
    gchar *longer = g_strconcat ("Bearer ", token, "x", NULL);

    FUZZ_ASSERT (whep_bearer_token_matches (header, token));
    FUZZ_ASSERT (whep_bearer_token_matches (spaced, token));
    FUZZ_ASSERT (!whep_bearer_token_matches (longer, token));
    g_free (longer);
    g_free (spaced);
    g_free (header);
  }
}

static void
check_allow_origin (const gchar * origin, const gchar * const *allowed)
{
  gchar *value = whep_cors_allow_origin (origin, allowed);

  if (value != NULL) {
    FUZZ_ASSERT (strcmp (value, "*") == 0
        || (origin != NULL && strcmp (value, origin) == 0));
    g_free (value);
  } else {
    /* refused: so there was a list, and the origin is not on it */
    FUZZ_ASSERT (allowed != NULL && allowed[0] != NULL);
    FUZZ_ASSERT (origin == NULL || !g_strv_contains (allowed, origin)
        || *origin == '\0');
  }
}

static void
fuzz_cors (const gchar * origin, const gchar * const *allowed)
{
  static const gchar *const configured[] = {
    "https://example.com", "http://localhost:8080", NULL
  };

  check_allow_origin (origin, allowed);
  check_allow_origin (origin, configured);
  check_allow_origin (origin, NULL);
}

/* endpoint_patch() in ext/whep/gstwhepsink.c: a session id that is not
 * valid is a 404, and If-Match must be "*" or the session's ETag */
static void
fuzz_if_match (const gchar * if_match, const gchar * session_id,
    const gchar * ufrag)
{
  gchar *etag;

  if (session_id != NULL && whep_session_id_is_valid (session_id))
    FUZZ_ASSERT (is_lower_hex (session_id, WHEP_SESSION_ID_LEN));
  if (session_id == NULL || ufrag == NULL)
    return;

  etag = whep_etag_for_ice (session_id, ufrag);
  FUZZ_ASSERT (etag != NULL && strlen (etag) == 18);
  FUZZ_ASSERT (etag[0] == '"' && etag[17] == '"');
  etag[17] = '\0';
  FUZZ_ASSERT (is_lower_hex (etag + 1, 16));
  etag[17] = '"';

  if (if_match != NULL && strcmp (if_match, "*") != 0
      && g_strcmp0 (if_match, etag) != 0) {
    /* 412: then it is not that session's current ETag */
    gchar *again = whep_etag_for_ice (session_id, ufrag);

    FUZZ_ASSERT (strcmp (again, if_match) != 0);
    g_free (again);
  }
  g_free (etag);
}

static void
fuzz_link (const gchar * uri)
{
  gchar *link = whep_link_for_ice_server (uri);
  const gchar *gt;

  if (link == NULL)
    return;
  FUZZ_ASSERT (is_header_safe (link));
  FUZZ_ASSERT (link[0] == '<');
  /* the URI ends at the first '>', and has nothing that could end it or
   * the field value early */
  gt = strchr (link, '>');
  FUZZ_ASSERT (gt != NULL);
  FUZZ_ASSERT (g_str_has_prefix (gt, ">; rel=\"ice-server\""));
  FUZZ_ASSERT (strcspn (link, " \t\",;") > (gsize) (gt - link));
  g_free (link);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *text = g_strndup ((const gchar *) data, size);
  gchar **lines = g_strsplit (text, "\n", -1);
  const gchar *line[N_FIXED_LINES] = { NULL, };
  const gchar *const *allowed = NULL;
  guint n = g_strv_length (lines), i;

  for (i = 0; i < N_FIXED_LINES && i < n; i++)
    line[i] = lines[i];
  if (n > N_FIXED_LINES)
    allowed = (const gchar * const *) lines + N_FIXED_LINES;

  fuzz_bearer (line[0], line[1]);
  fuzz_cors (line[2], allowed);
  fuzz_if_match (line[3], line[4], line[5]);
  for (i = 0; i < n; i++)
    fuzz_link (lines[i]);

  g_strfreev (lines);
  g_free (text);
  return 0;
}
