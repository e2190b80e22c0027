/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include "whep-offer.h"
#include "gstwhepfanout.h"
#include "gstwheptranscode.h"

G_BEGIN_DECLS

/* GstWhepMedia: the part of whepsink every viewer shares.  It demuxes the
 * MPEG-TS once, parses each track once, paces it to the clock and fans it
 * out with a tee per track:
 *
 *                 ,-> queue -> h264parse -> capsfilter -> clocksync -> tee -> fakesink
 *   tsdemux ------+                                                  `--> rtph264pay -> fakesink
 *                 |                                                        `--> fan-out
 *                 `-> queue -> opusparse -------------> clocksync -> tee -> fakesink
 *                 :                                                  `--> rtpopuspay -> fakesink
 *                 :                                                            `--> fan-out
 *                 `-> transcode-aac (aacparse ! avdec_aac ! audioconvert
 *                       ! audioresample ! opusenc) -> the same queue
 *
 * Audio that WebRTC cannot carry (AAC, MPEG audio, AC-3) is converted to
 * Opus before the audio track's queue, once for every viewer
 * (gstwheptranscode.c): the track and the viewers see Opus.  H.265 video
 * has a track of its own (h265parse, rtph265pay), the one viewers that
 * offer H.265 get when the PMT lists H.265 instead of H.264; the others
 * get the H.264 track, then fed with H.264 made from the H.265 track
 * (transcode-h265-to-h264, video-transcode=auto).
 *
 * With a fan-out (the shared send path) each track is payloaded once and
 * every RTP packet goes to it from the track's streaming thread.  Without
 * one, each viewer takes a pad of each tee for its own branch (the
 * per-viewer path).
 *
 * The fakesinks make the bin a sink (EOS, latency) and keep the tee fed when
 * no viewer is there.  Which tracks exist is known from the PMT, before the
 * first pad appears; a track is "ready" once its parser has produced caps
 * (for H.264 that is the first SPS, which tells the profile).
 *
 * The elements live in the bin given at creation; this struct holds no
 * references of its own to them beyond that bin's.
 */
typedef struct _GstWhepMedia GstWhepMedia;

/* Called, from a streaming or bus thread, when every track the PMT lists
 * has caps, i.e. when viewers can be answered. */
typedef void (*GstWhepMediaReadyFunc) (gpointer user_data);

/* Leaves room for SRTP and header extensions in a 1280-byte path MTU */
#define WHEP_RTP_MTU 1200

/* The elements go into @bin; @input is the bin's ghost sink pad, which the
 * media part points at its demuxer and watches for program table
 * changes.  @fanout (not owned, may be NULL) gets every payloaded packet. */
GstWhepMedia *gst_whep_media_new (GstBin * bin, GstPad * input,
    GstWhepFanout * fanout, GstWhepMediaReadyFunc ready_func,
    gpointer user_data);
void gst_whep_media_free (GstWhepMedia * media);

/* The factory name of an element that could not be made, or NULL when all
 * are there. */
const gchar *gst_whep_media_get_missing_element (GstWhepMedia * media);

/* Looks at a message from inside the bin; returns TRUE if it was the PMT
 * (the message is not consumed either way). */
gboolean gst_whep_media_handle_message (GstWhepMedia * media,
    GstMessage * message);

/* TRUE for a demuxer's stream error, posted again as the bin's warning:
 * the caller drops the message. */
gboolean gst_whep_media_demote_demux_error (GstWhepMedia * media,
    GstMessage * message);

/* The MPEG-TS program to serve, -1 for the first in the PAT. */
void gst_whep_media_set_program (GstWhepMedia * media, gint program_number);

/* Whether audio that is not Opus (AAC, MPEG audio, AC-3) is converted to
 * Opus, once for all viewers, or left out; read on each PMT. */
void gst_whep_media_set_audio_transcode (GstWhepMedia * media,
    GstWhepTranscodeMode mode);

/* Whether H.265 video is also converted to H.264, once for all viewers
 * whose offer has no H.265, or those viewers get no video; read on each
 * PMT. */
void gst_whep_media_set_video_transcode (GstWhepMedia * media,
    GstWhepTranscodeMode mode);

/* A viewer is answered as @plan says: starts the conversion its video
 * needs, if any (H.264 made from an H.265 stream, once for all viewers
 * that need it), or wakes it if it rests.  Each such call is matched by a
 * gst_whep_media_release_viewer() when the viewer ends. */
void gst_whep_media_prepare_viewer (GstWhepMedia * media,
    const WhepAnswerPlan * plan);
/* The viewer answered with @plan has ended: a conversion only such viewers
 * took rests when the last of them is gone. */
void gst_whep_media_release_viewer (GstWhepMedia * media,
    const WhepAnswerPlan * plan);

/* EOS went through: new viewers wait for a new stream. */
void gst_whep_media_stream_ended (GstWhepMedia * media);

/* Fills @info and returns TRUE if the tracks are known and ready. */
gboolean gst_whep_media_get_stream_info (GstWhepMedia * media,
    WhepStreamInfo * info);

/* A new tee src pad for a viewer's branch of @kind (for video: of the
 * track of @codec, the H.265 passed through or the H.264, maybe made from
 * it), or NULL if the stream has no such track.  Give it back with
 * gst_whep_media_release_track_pad(). */
GstPad *gst_whep_media_request_track_pad (GstWhepMedia * media,
    WhepMediaKind kind, WhepVideoCodec codec);
void gst_whep_media_release_track_pad (GstWhepMedia * media, GstPad * pad);

/* Asks whoever feeds the bin for a keyframe (an encoder in the same
 * pipeline makes one at once); requests closer together than 500 ms are
 * one. */
void gst_whep_media_request_keyframe (GstWhepMedia * media);

/* Forgets what is known about the stream (on stop). */
void gst_whep_media_reset (GstWhepMedia * media);

G_END_DECLS
