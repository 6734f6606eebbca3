"""Audio analysis of a clip: silence and speech spans, loudness, waveform, keyframes.

The modules ``silence``, ``levels``, ``waveform`` and ``decode`` are pure (no Django) so they run in
benchmarks and are tested in milliseconds; ``models`` and ``services`` are the Django shell around them.
"""
