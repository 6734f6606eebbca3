"""Publishing: YouTube and TikTok uploads, OAuth tokens sealed at rest, archiving to object storage.

Pure clients (``youtube``, ``tiktok``, ``archive``, ``sealed``) import no Django; services, tasks and the admin
wrap them. Every publish and archive is a ``PipelineRun`` of kind ``publish`` (``runs``).
"""
