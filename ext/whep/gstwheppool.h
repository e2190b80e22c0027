/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include "gstwhepfanout.h"
#include "gstwhepmedia.h"
#include "gstwhepserver.h"
#include "whep-offer.h"
#include "whep-sdpfrag.h"

G_BEGIN_DECLS

/* GstWhepPool: the viewers of one whepsink, by session id.
 *
 * The pool owns each viewer: its session (a GstWhepSession in the bin), the
 * answer plan, the ETag, the ICE credentials the viewer uses, its POST until
 * it is answered and the timer that ends it if it never connects.  It keeps
 * max-viewers, ends viewers that went silent (idle-timeout), and ends every
 * viewer through one function, whatever the reason: DELETE, a timeout, ICE
 * or DTLS failure, an error in its session, EOS, the element stopping.
 *
 *   start (server's thread): plan, id, session -> into the bin, linked
 *       -> into the table (or refused, if all viewers ended meanwhile)
 *       -> negotiate -> the answer (201) -> connected
 *   end (any thread): out of the table -> leave the fan-out -> unlink
 *       from the tees -> locked state, NULL -> out of the bin -> free
 *
 * A teardown runs in the thread that asks for it when that thread may
 * change states, else through gst_element_call_async(): never in a
 * streaming thread or a webrtcbin signal.  A viewer whose teardown is on
 * its way stays in a list of those ending; gst_whep_pool_stop() waits until
 * it is empty.
 *
 * Threads: viewers start on the server's thread; everything else may be
 * called from any thread.  The pool's lock comes after the sink's, and is
 * never held while calling into an element, libsoup, the media part or a
 * session.
 */
#define GST_TYPE_WHEP_POOL (gst_whep_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstWhepPool, gst_whep_pool, GST, WHEP_POOL, GstObject)

/* What the element's properties say about viewers. */
typedef struct
{
  guint connect_timeout;        /* s */
  guint idle_timeout;           /* s */
  guint max_viewers;            /* 0: no limit */
  const gchar *stun_server;     /* webrtcbin's URI form, or NULL */
  const gchar *turn_server;
  guint ice_min_port;           /* 0: any */
  guint ice_max_port;
  gboolean ice_tcp;
  const gchar *public_address;  /* announced in answers, or NULL */
} GstWhepPoolSettings;

/* What the pool tells its owner about viewers.  Called with no lock held. */
typedef struct
{
  /* A viewer joins (on the server's thread), just before it is in the
   * table; @address is NULL (ICE has not started). */
  void (*viewer_added) (GstWhepPool * pool, const gchar * id,
      const gchar * address, gpointer user_data);
  /* A viewer that was added has left, for @reason, and is being torn down:
   * in the thread that tears it down (the element's async call thread, or
   * the one that stops the element), never in a streaming thread or a
   * webrtcbin signal.  @address: "ip:port", or NULL if ICE never selected
   * a pair. */
  void (*viewer_removed) (GstWhepPool * pool, const gchar * id,
      const gchar * address, const gchar * reason, gpointer user_data);
} GstWhepPoolEvents;

/* Sessions go into @bin (the whepsink, which owns the pool), linked to
 * @media's tracks or, once connected, on @fanout's shared send path.
 * Neither is owned: both must outlive the pool. */
GstWhepPool *gst_whep_pool_new (GstBin * bin, GstWhepMedia * media,
    GstWhepFanout * fanout);

/* Takes a copy; applies to viewers that start (and to timers that start)
 * from now on. */
void gst_whep_pool_set_settings (GstWhepPool * pool,
    const GstWhepPoolSettings * settings);

/* Viewers may start.  Their timers run on @server's thread; their session
 * URLs (Location) are @session_base/<id>, @session_base being
 * "[public-url]<path>[/<instance-id>]"; @shared: on the shared send path,
 * else with a branch each. */
void gst_whep_pool_start (GstWhepPool * pool, GstWhepServer * server,
    const gchar * session_base, gboolean shared);

/* Ends every viewer and waits until every teardown, also those on their way
 * in other threads, is done.  No viewer starts afterwards, until
 * gst_whep_pool_start().  From a thread that may change states. */
void gst_whep_pool_stop (GstWhepPool * pool);

/* Read this before looking whether the stream is ready, and hand it to
 * gst_whep_pool_start_viewer(): it changes whenever all viewers end. */
guint gst_whep_pool_get_generation (GstWhepPool * pool);

/* On the server's thread: starts a viewer for @offer on a stream that was
 * ready (@info) at @generation, and answers @req: 201 with the answer once
 * ICE gathering is complete, or an error.  If all viewers ended since
 * @generation (the stream ended or stops) the viewer is refused with 503,
 * because nothing would end it. */
void gst_whep_pool_start_viewer (GstWhepPool * pool, GstWhepRequest * req,
    const GstSDPMessage * offer, const WhepStreamInfo * info,
    guint generation);

/* Ends viewer @id: its teardown is done soon in another thread.  FALSE if
 * there is no such viewer. */
gboolean gst_whep_pool_end_viewer (GstWhepPool * pool, const gchar * id,
    const gchar * reason);

/* Ends every viewer; with @wait their teardowns are done before this
 * returns (only from a thread that may change states). */
void gst_whep_pool_end_all (GstWhepPool * pool, const gchar * reason,
    gboolean wait);

/* What a PATCH means to a viewer. */
typedef enum
{
  GST_WHEP_POOL_NO_SUCH_VIEWER,
  /* If-Match names another ETag than the viewer's */
  GST_WHEP_POOL_STALE_ETAG,
  /* the viewer's ICE session: trickled candidates */
  GST_WHEP_POOL_SAME_ICE,
  /* other ICE credentials: an ICE restart */
  GST_WHEP_POOL_NEW_ICE,
} GstWhepPoolIceCheck;

/* For a PATCH to viewer @id with @if_match (or NULL) and a fragment with
 * ICE ufrag @ufrag (or NULL). */
GstWhepPoolIceCheck gst_whep_pool_check_ice (GstWhepPool * pool,
    const gchar * id, const gchar * if_match, const gchar * ufrag);

/* Hands @frag's candidates to viewer @id's webrtcbin, each for the m-line
 * its mid names (else the first accepted one).  FALSE if there is no such
 * viewer. */
gboolean gst_whep_pool_add_candidates (GstWhepPool * pool, const gchar * id,
    const WhepSdpFrag * frag);

/* An ICE restart asked for by viewer @id with @frag (new ufrag and pwd,
 * maybe candidates): returns our new credentials and candidates as an
 * application/trickle-ice-sdpfrag body, and the viewer's new ETag in
 * @etag; NULL with @error if the restart could not be done. */
gchar *gst_whep_pool_restart_ice (GstWhepPool * pool, const gchar * id,
    const WhepSdpFrag * frag, gchar ** etag, GError ** error);

/* Sets the callbacks; once, before gst_whep_pool_start(). */
void gst_whep_pool_set_events (GstWhepPool * pool,
    const GstWhepPoolEvents * events, gpointer user_data);

/* Viewers in the table (connected or not), and those being added. */
guint gst_whep_pool_get_n_viewers (GstWhepPool * pool);

/* The max-viewers setting (0: no limit). */
guint gst_whep_pool_get_max_viewers (GstWhepPool * pool);

/* An application/x-whepsink-stats structure: the totals, and in "viewers"
 * a GstValueArray of one structure per viewer (see the element's
 * get-stats signal).  Asks each session with no lock held. */
GstStructure *gst_whep_pool_get_stats (GstWhepPool * pool);

G_END_DECLS
