"""Audio acquisition: MusicCaps sections from YouTube (yt-dlp) and the MagnaTagATune mp3 archive.

Each downloader writes an append-only manifest beside the audio so a rerun resumes, retries only what
may succeed, and leaves a record of every clip that could not be fetched and why.
"""
