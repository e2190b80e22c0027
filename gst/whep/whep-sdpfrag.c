/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* SDP fragments of media type application/trickle-ice-sdpfrag (RFC 8840),
 * the body of WHEP's PATCH requests (trickle ICE, ICE restart) and of the
 * answer to an ICE restart.
 *
 * A fragment is not an SDP message: no v=, o=, s= or t= line, just
 * attributes and m= lines that say which m-section the following
 * attributes belong to.  GstSDP insists on a whole message, so the few
 * lines we care about are read here.
 *
 * Everything in a fragment comes from the network: error messages never
 * repeat any of its text, only line numbers, so that they can go into a
 * 400 response body and the log as they are. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-sdpfrag.h"

#include <gst/gst.h>

#include <string.h>

#define GST_CAT_DEFAULT whep_sdpfrag_debug
GST_DEBUG_CATEGORY_STATIC (whep_sdpfrag_debug);

/* RFC 8839 5.4: ice-ufrag is 4 to 256 ice-chars, ice-pwd 22 to 256 */
#define ICE_UFRAG_MIN_LEN 4
#define ICE_PWD_MIN_LEN 22
#define ICE_CREDENTIAL_MAX_LEN 256

/* RFC 8839 5.1: foundation is 1 to 32 ice-chars */
#define CANDIDATE_FOUNDATION_MAX_LEN 32

/* The mandatory fields of a candidate attribute (RFC 8839 5.1):
 * foundation component-id transport priority connection-address port "typ"
 * cand-type */
#define CANDIDATE_N_FIELDS 8

G_DEFINE_QUARK (whep-sdpfrag-error-quark, whep_sdpfrag_error);

static void
ensure_debug_category (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (whep_sdpfrag_debug, "whepsdpfrag", 0,
        "WHEP trickle ICE SDP fragments");
    g_once_init_leave (&initialized, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* Character classes                                                        */

/* RFC 8839 5.1: ice-char = ALPHA / DIGIT / "+" / "/" */
static gboolean
is_ice_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

static gboolean
is_ice_string (const gchar * s, gsize min_len, gsize max_len)
{
  gsize len = strlen (s), i;

  if (len < min_len || len > max_len)
    return FALSE;
  for (i = 0; i < len; i++) {
    if (!is_ice_char (s[i]))
      return FALSE;
  }
  return TRUE;
}

/* RFC 8866 9: token-char, what attribute names and most SDP words are made
 * of: visible ASCII except the separators " ( ) , / : ; < = > ? @ [ \ ] */
static gboolean
is_token_char (gchar c)
{
  guchar u = (guchar) c;

  return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b
      || u == 0x2d || u == 0x2e || g_ascii_isdigit (c) || g_ascii_isupper (c)
      || (u >= 0x5e && u <= 0x7e);
}

static gboolean
is_token (const gchar * s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++) {
    if (!is_token_char (*s))
      return FALSE;
  }
  return TRUE;
}

/* 1 to @max_digits decimal digits with a value from @min to @max.
 * g_ascii_string_to_unsigned() alone would also take "+5" and "-0". */
static gboolean
is_number (const gchar * s, guint max_digits, guint64 min, guint64 max)
{
  gsize len;

  /* g_strsplit() of an empty field gives no field at all */
  if (s == NULL)
    return FALSE;
  len = strlen (s);
  if (len == 0 || len > max_digits || strspn (s, "0123456789") != len)
    return FALSE;
  return g_ascii_string_to_unsigned (s, 10, min, max, NULL, NULL);
}

/* tokens joined by "/", e.g. "UDP/TLS/RTP/SAVPF" */
static gboolean
is_token_path (const gchar * s)
{
  gchar **parts = g_strsplit (s, "/", -1);
  gboolean ok = parts[0] != NULL;
  guint i;

  for (i = 0; parts[i] != NULL && ok; i++)
    ok = is_token (parts[i]);
  g_strfreev (parts);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Line checks                                                              */

/* "m=<media> <port>[/<number of ports>] <proto> <fmt> ..." (RFC 8866 5.14),
 * fields separated by exactly one space; @value is the text after "m=". */
static gboolean
is_media_line (const gchar * value)
{
  gchar **fields = g_strsplit (value, " ", -1);
  gchar **port = NULL;
  gboolean ok = FALSE;
  guint i, n = g_strv_length (fields);

  if (n < 4 || !is_token (fields[0]) || !is_token_path (fields[2]))
    goto done;
  for (i = 3; i < n; i++) {
    if (!is_token (fields[i]))
      goto done;
  }

  port = g_strsplit (fields[1], "/", 2);
  if (!is_number (port[0], 5, 0, G_MAXUINT16))
    goto done;
  if (port[1] != NULL && !is_number (port[1], 5, 1, G_MAXUINT16))
    goto done;

  ok = TRUE;

done:
  g_strfreev (port);
  g_strfreev (fields);
  return ok;
}

/* "candidate:<foundation> <component-id> <transport> <priority>
 *  <connection-address> <port> typ <cand-type> [extensions]" (RFC 8839
 * 5.1).  Only the mandatory fields are checked: browsers add their own
 * (generation, ufrag, network-id, network-cost), and webrtcbin passes the
 * whole line on to libnice, which knows what to do with them. */
static gboolean
is_candidate (const gchar * candidate)
{
  gchar **fields;
  gboolean ok;

  if (!g_str_has_prefix (candidate, "candidate:"))
    return FALSE;

  fields = g_strsplit (candidate + strlen ("candidate:"), " ", -1);
  ok = g_strv_length (fields) >= CANDIDATE_N_FIELDS
      && is_ice_string (fields[0], 1, CANDIDATE_FOUNDATION_MAX_LEN)
      && is_number (fields[1], 3, 1, 256)
      && is_token (fields[2])
      && is_number (fields[3], 10, 0, G_MAXUINT32)
      /* an IPv4 or IPv6 address, or a name (mDNS) */
      && fields[4][0] != '\0'
      && is_number (fields[5], 5, 0, G_MAXUINT16)
      && g_ascii_strcasecmp (fields[6], "typ") == 0 && is_token (fields[7]);
  g_strfreev (fields);

  return ok;
}

/* TRUE if @line has a control character other than tab: no SDP line has
 * one (a lone CR is a broken line end), and candidates go on to webrtcbin
 * and the log. */
static gboolean
has_control_char (const gchar * line)
{
  for (; *line != '\0'; line++) {
    guchar u = (guchar) * line;

    if ((u < 0x20 && u != '\t') || u == 0x7f)
      return TRUE;
  }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* whep_sdpfrag_parse()                                                     */

static void
frag_candidate_free (WhepFragCandidate * cand)
{
  g_free (cand->mid);
  g_free (cand->candidate);
  g_free (cand);
}

/* Where the parser is. */
typedef struct
{
  WhepSdpFrag *frag;
  guint line_no;                /* 1-based, of the line being read */
  gint mline_index;             /* of the current m-section, -1 before any */
  gchar *mid;                   /* a=mid of the current m-section so far */
  guint section_start;          /* its first candidate in frag->candidates */
} ParseState;

/* Gives the candidates of the m-section that ends its a=mid, which may
 * come after them. */
static void
end_section (ParseState * st)
{
  guint i;

  if (st->mid == NULL)
    return;
  for (i = st->section_start; i < st->frag->candidates->len; i++) {
    WhepFragCandidate *cand = g_ptr_array_index (st->frag->candidates, i);

    cand->mid = g_strdup (st->mid);
  }
  g_clear_pointer (&st->mid, g_free);
}

static gboolean
parse_media_line (ParseState * st, const gchar * value, GError ** error)
{
  if (!is_media_line (value)) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "line %u is not a valid m= line", st->line_no);
    return FALSE;
  }
  end_section (st);
  st->mline_index++;
  st->section_start = st->frag->candidates->len;
  return TRUE;
}

/* Stores @value as *@field, which must be the same if already set. */
static gboolean
set_credential (ParseState * st, gchar ** field, const gchar * name,
    const gchar * value, gsize min_len, GError ** error)
{
  if (!is_ice_string (value, min_len, ICE_CREDENTIAL_MAX_LEN)) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "line %u: %s must be %" G_GSIZE_FORMAT " to %d characters of "
        "A-Z a-z 0-9 + /", st->line_no, name, min_len,
        ICE_CREDENTIAL_MAX_LEN);
    return FALSE;
  }
  /* Chromium repeats the credentials in every m-section; different ones
   * would leave us guessing which ICE session the candidates are for */
  if (*field != NULL && !g_str_equal (*field, value)) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "line %u: %s differs from an earlier one", st->line_no, name);
    return FALSE;
  }
  if (*field == NULL)
    *field = g_strdup (value);
  return TRUE;
}

/* @attr is the text after "a=". */
static gboolean
parse_attribute (ParseState * st, const gchar * attr, GError ** error)
{
  const gchar *colon = strchr (attr, ':');
  const gchar *value = colon ? colon + 1 : NULL;
  gchar *name = colon ? g_strndup (attr, colon - attr) : g_strdup (attr);
  gboolean ok = TRUE;

  if (!is_token (name)) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "line %u is not an SDP attribute", st->line_no);
    ok = FALSE;
  } else if (g_str_equal (name, "candidate")) {
    if (is_candidate (attr)) {
      WhepFragCandidate *cand = g_new0 (WhepFragCandidate, 1);

      /* the mid comes with the end of the m-section */
      cand->mline_index = st->mline_index;
      cand->candidate = g_strdup (attr);
      g_ptr_array_add (st->frag->candidates, cand);
    } else {
      g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
          "line %u: bad candidate line", st->line_no);
      ok = FALSE;
    }
  } else if (g_str_equal (name, "ice-ufrag")) {
    ok = set_credential (st, &st->frag->ice_ufrag, "ice-ufrag",
        value ? value : "", ICE_UFRAG_MIN_LEN, error);
  } else if (g_str_equal (name, "ice-pwd")) {
    ok = set_credential (st, &st->frag->ice_pwd, "ice-pwd",
        value ? value : "", ICE_PWD_MIN_LEN, error);
  } else if (g_str_equal (name, "end-of-candidates")) {
    st->frag->end_of_candidates = TRUE;
  } else if (g_str_equal (name, "mid")) {
    /* RFC 5888: a media-level identification-tag, a token */
    if (st->mline_index < 0) {
      g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
          "line %u: a=mid before any m= line", st->line_no);
      ok = FALSE;
    } else if (value == NULL || !is_token (value)) {
      g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
          "line %u: bad a=mid", st->line_no);
      ok = FALSE;
    } else if (st->mid != NULL) {
      g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
          "line %u: second a=mid in one m= section", st->line_no);
      ok = FALSE;
    } else {
      st->mid = g_strdup (value);
    }
  }
  /* anything else (a=group, a=ice-options, a=ice-lite, ...) is none of
   * our business */

  g_free (name);
  return ok;
}

static gboolean
is_blank_line (const gchar * line)
{
  return line[strspn (line, " \t")] == '\0';
}

/* One line, without its line end. */
static gboolean
parse_line (ParseState * st, gchar * line, GError ** error)
{
  gsize len = strlen (line);

  /* CRLF or LF line ends; trailing blanks are not worth a 400 */
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '
          || line[len - 1] == '\t'))
    line[--len] = '\0';

  if (has_control_char (line)) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "line %u contains a control character", st->line_no);
    return FALSE;
  }
  if (is_blank_line (line))
    return TRUE;
  if (g_str_has_prefix (line, "m="))
    return parse_media_line (st, line + 2, error);
  if (g_str_has_prefix (line, "a="))
    return parse_attribute (st, line + 2, error);

  g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
      "line %u is not an SDP attribute", st->line_no);
  return FALSE;
}

static gboolean
check_text (const gchar * text, gsize len, GError ** error)
{
  gsize i;

  /* @text may be NULL when @len is 0, which memchr() must not see */
  if (len > 0 && memchr (text, '\0', len) != NULL) {
    g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
        "fragment contains a NUL byte");
    return FALSE;
  }
  for (i = 0; i < len; i++) {
    if (!g_ascii_isspace (text[i]))
      return TRUE;
  }
  g_set_error (error, WHEP_SDPFRAG_ERROR, WHEP_SDPFRAG_ERROR_MALFORMED,
      "fragment is empty");
  return FALSE;
}

WhepSdpFrag *
whep_sdpfrag_parse (const gchar * text, gsize len, GError ** error)
{
  ParseState st = { NULL, 0, -1, NULL, 0 };
  GError *err = NULL;
  gchar *copy = NULL;
  gchar **lines = NULL;
  guint i;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_debug_category ();

  if (!check_text (text, len, &err))
    goto fail;

  st.frag = g_new0 (WhepSdpFrag, 1);
  st.frag->candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) frag_candidate_free);

  /* a missing line end after the last line splits off no extra line, an
   * existing one an empty one, which is blank */
  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    st.line_no = i + 1;
    if (!parse_line (&st, lines[i], &err))
      goto fail;
  }
  end_section (&st);

  g_strfreev (lines);
  g_free (copy);

  GST_DEBUG ("fragment with ufrag %s, %u candidates%s",
      GST_STR_NULL (st.frag->ice_ufrag), st.frag->candidates->len,
      st.frag->end_of_candidates ? ", end of candidates" : "");
  return st.frag;

fail:
  GST_INFO ("rejecting the SDP fragment: %s", err->message);
  g_propagate_error (error, err);
  g_free (st.mid);
  g_strfreev (lines);
  g_free (copy);
  whep_sdpfrag_free (st.frag);
  return NULL;
}

void
whep_sdpfrag_free (WhepSdpFrag * frag)
{
  if (frag == NULL)
    return;
  g_free (frag->ice_ufrag);
  g_free (frag->ice_pwd);
  g_ptr_array_unref (frag->candidates);
  g_free (frag);
}

/* ------------------------------------------------------------------------ */
/* whep_sdpfrag_build()                                                     */

/* Whatever goes into a line must not end it early. */
static gboolean
is_single_line (const gchar * s)
{
  return s == NULL || strpbrk (s, "\r\n") == NULL;
}

static void
append_candidates (GString * out, const GPtrArray * candidates,
    const gchar * mid, gboolean with_unassigned)
{
  guint i;

  if (candidates == NULL)
    return;
  for (i = 0; i < candidates->len; i++) {
    const WhepFragCandidate *cand = g_ptr_array_index (candidates, i);

    if (cand->mid == NULL ? with_unassigned : g_strcmp0 (cand->mid, mid) == 0)
      g_string_append_printf (out, "a=%s\r\n", cand->candidate);
  }
}

static gboolean
mid_listed (const gchar * mid, const gchar * const *mids)
{
  return mids != NULL && g_strv_contains (mids, mid);
}

gchar *
whep_sdpfrag_build (const gchar * ice_ufrag, const gchar * ice_pwd,
    const gchar * const *mids, const GPtrArray * candidates, gboolean end)
{
  GString *out;
  guint i;

  g_return_val_if_fail (is_single_line (ice_ufrag), NULL);
  g_return_val_if_fail (is_single_line (ice_pwd), NULL);
  for (i = 0; mids != NULL && mids[i] != NULL; i++)
    g_return_val_if_fail (is_single_line (mids[i]), NULL);
  for (i = 0; candidates != NULL && i < candidates->len; i++) {
    const WhepFragCandidate *cand = g_ptr_array_index (candidates, i);

    g_return_val_if_fail (cand != NULL && cand->candidate != NULL, NULL);
    g_return_val_if_fail (is_single_line (cand->candidate), NULL);
    g_return_val_if_fail (is_single_line (cand->mid), NULL);
  }

  ensure_debug_category ();

  out = g_string_new (NULL);
  if (ice_ufrag != NULL)
    g_string_append_printf (out, "a=ice-ufrag:%s\r\n", ice_ufrag);
  if (ice_pwd != NULL)
    g_string_append_printf (out, "a=ice-pwd:%s\r\n", ice_pwd);

  if (mids == NULL || mids[0] == NULL) {
    /* no m-section to put them into: session level, where
     * whep_sdpfrag_parse() reads them as candidates without a mid */
    append_candidates (out, candidates, NULL, TRUE);
  } else {
    /* RFC 8840 4.4: the m= line only says which m-section the attributes
     * after it are for; its contents are placeholders */
    for (i = 0; mids[i] != NULL; i++) {
      g_string_append_printf (out, "m=audio 9 RTP/AVP 0\r\na=mid:%s\r\n",
          mids[i]);
      append_candidates (out, candidates, mids[i], i == 0);
    }
  }

  for (i = 0; candidates != NULL && i < candidates->len; i++) {
    const WhepFragCandidate *cand = g_ptr_array_index (candidates, i);

    if (cand->mid != NULL && !mid_listed (cand->mid, mids))
      GST_WARNING ("dropping a candidate of unknown mid %s", cand->mid);
  }

  if (end)
    g_string_append (out, "a=end-of-candidates\r\n");

  return g_string_free (out, FALSE);
}
