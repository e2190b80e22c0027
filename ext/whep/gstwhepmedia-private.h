/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gstwhepmedia.h"
#include "gstwheptranscode.h"
#include "whep-ts-psi.h"

G_BEGIN_DECLS

/* What the three files of GstWhepMedia share, and nothing for the rest of
 * the plugin: gstwhepmedia.c has the tracks, the demuxer and its pads, the
 * live re-timing and the keyframe requests; gstwhepmediatables.c the
 * program tables (PAT and PMT: which program, which tracks it has);
 * gstwhepmediaconvert.c what feeds each track (the demuxer's pad, or a
 * conversion made once for all viewers). */

GST_DEBUG_CATEGORY_EXTERN (whep_media_debug);
#define GST_CAT_DEFAULT whep_media_debug

/* The tracks, each with its parser, tee and (shared path) payloader.  At
 * most one video track is in a program's PMT at a time. */
enum
{
  TRACK_H264,
  TRACK_AUDIO,
  TRACK_H265,
  N_TRACKS
};

typedef struct
{
  WhepMediaKind kind;
  WhepVideoCodec codec;         /* video only */
  const gchar *caps_name;       /* what tsdemux gives: "video/x-h264" */
  GstElement *queue;
  GstElement *tee;
  GstPad *queue_src;            /* where a live stream is re-timed */
  /* protected by the media lock */
  GstPad *linked_pad;           /* the demuxer pad that feeds this track */
  GstPad *spare_pad;            /* a newer pad of the same kind, for a swap */
  gboolean in_pmt;
  GstCaps *caps;                /* what the parser produced */
  gint stale;                   /* atomic: caps from before a new demuxer */
  const gchar *profile;         /* interned, H.264 only */
  const gchar *level;           /* interned, H.264 only */
  /* audio only: the conversions to Opus made so far, one per codec, made
   * when a stream first needs one and kept in the bin for the next stream
   * of that codec (protected by the media lock; the bin owns them) */
  GstElement *transcoders[WHEP_AUDIO_CODEC_LAST];
  /* H.264 only: the stream is converted to a profile browsers play, with
   * h264_transcoder (made once, kept) between demuxer and queue */
  gboolean convert;
  GstElement *h264_transcoder;
} Track;

struct _GstWhepMedia
{
  GstBin *bin;                  /* not owned: we live inside it */
  GstPad *input;                /* the bin's ghost sink pad, not owned */
  WhepTsPsi *psi;               /* only used in the input's streaming thread */
  const gchar *missing;
  GstWhepMediaReadyFunc ready_func;
  gpointer user_data;
  GstWhepFanout *fanout;        /* not owned; NULL: viewers take tee pads */

  /* Only while the video conversion is made or linked (a viewer's POST and
   * a new PMT may want it at once); taken before lock, never inside it. */
  GMutex transcode_lock;

  GMutex lock;
  /* protected by lock */
  GstElement *demux;            /* replaced when the program tables change */
  GstClockTime last_keyframe_request;   /* monotonic */
  GstClockTime last_input_warning;      /* monotonic */
  gboolean timing_checked;      /* the live offset was decided */
  GstClockTimeDiff live_offset; /* applied to every track's running time */
  gint wanted_program;          /* -1: the first in the PAT */
  GstWhepTranscodeMode audio_transcode;
  GstWhepTranscodeMode video_transcode;
  /* H.265 to H.264 for viewers without H.265: made when the first such
   * viewer comes, then kept (the bin owns it); fed from a pad of the
   * H.265 track's tee, it feeds the H.264 track */
  GstElement *video_transcoder;
  GstPad *video_transcoder_feed;        /* the H.265 tee's pad, ours */
  gboolean h264_possible;       /* the PMT's H.265 may be made into H.264 */
  gboolean h264_from_h265;      /* the H.264 track is fed by it */
  /* The conversion rests while no viewer is answered with H.264: its feed
   * is dropped before the decoder, so it costs nothing.  Woken by the next
   * such viewer, it takes the feed again from an H.265 keyframe. */
  guint h264_viewers;           /* viewers whose answer sends H.264 */
  gboolean video_transcoder_resting;
  gboolean video_transcoder_waking;     /* resting no more: wait for a keyframe */
  gint program;                 /* the one followed, -1 until the PAT */
  gboolean pmt_seen;
  gboolean ready;
  Track tracks[N_TRACKS];       /* TRACK_H264, TRACK_AUDIO, TRACK_H265 */
};

/* gstwhepmedia.c */

/* Tells the ready function once every track the PMT lists has caps.
 * Called with no lock held. */
void media_update_ready (GstWhepMedia * media);

/* Asks whoever feeds the bin for a keyframe, and the video conversion's
 * encoder too (requests closer together than a few hundred ms are one).
 * Called with no lock held. */
void media_forward_keyframe_request (GstWhepMedia * media, GstEvent * event);

/* Asks only the video conversion's encoder for a keyframe. Called with no
 * lock held. */
void media_request_transcoder_keyframe (GstWhepMedia * media,
    GstEvent * event);

/* gstwhepmediaconvert.c */

/* Whether the audio of @codec feeds the audio track through a conversion
 * to Opus.  Called with no lock held. */
gboolean media_converts_audio (GstWhepMedia * media, WhepAudioCodec codec);

/* Feeds @track from @pad (or from nothing), through the track's
 * conversion if it has one.  Called with no lock held. */
void track_link (GstWhepMedia * media, Track * track, GstPad * pad);

/* The H.264 track's caps have a profile browsers cannot decode: converted
 * (video-transcode=auto) or told about.  Called with no lock held. */
void track_handle_unplayable (GstWhepMedia * media, Track * track,
    const gchar * profile);

/* The H.264 track takes the H.265 track's video through the conversion.
 * Called with the transcode lock only. */
void media_link_video_transcoder (GstWhepMedia * media);

G_END_DECLS
