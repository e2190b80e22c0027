/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/mpegts/mpegts.h>

G_BEGIN_DECLS

/* What an audio stream of the MPEG-TS carries: known from the PMT before
 * any pad exists (so that the audio track is declared at once), and again
 * from the caps of the demuxer's pad. */
typedef enum
{
  WHEP_AUDIO_CODEC_NONE = 0,    /* not audio, or audio we cannot convert */
  WHEP_AUDIO_CODEC_OPUS,        /* sent as it is */
  WHEP_AUDIO_CODEC_AAC,         /* ADTS (stream type 0x0f) */
  WHEP_AUDIO_CODEC_AAC_LATM,    /* LATM/LOAS (0x11) */
  WHEP_AUDIO_CODEC_MPEG,        /* MPEG-1/2 audio, layer I-III (0x03, 0x04) */
  WHEP_AUDIO_CODEC_AC3,         /* 0x81, or 0x06 with an AC-3 descriptor */
  WHEP_AUDIO_CODEC_EAC3,        /* 0x87, or 0x06 with an E-AC-3 descriptor */
  WHEP_AUDIO_CODEC_LAST
} WhepAudioCodec;

/* From the PMT's entry for the stream: its stream type, and for a private
 * PES stream (0x06) its descriptors (DVB AC-3 and enhanced AC-3, or a
 * registration of "Opus", "AC-3" or "EAC3"). */
WhepAudioCodec whep_audio_codec_from_pmt (const GstMpegtsPMTStream * stream);

/* From the caps of a demuxer pad (audio/x-opus, audio/mpeg, audio/x-ac3,
 * audio/x-eac3); NONE for anything else, and for NULL, empty or ANY. */
WhepAudioCodec whep_audio_codec_from_caps (const GstCaps * caps);

/* TRUE if @codec is converted to Opus (not Opus, not NONE). */
gboolean whep_audio_codec_needs_transcode (WhepAudioCodec codec);

G_END_DECLS
