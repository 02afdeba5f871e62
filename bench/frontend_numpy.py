"""numpy peer for bench/frontend.ts: the same log-mel (librosa 0.6.2 recipe,
numpy rfft in float64) over the same synthetic audio, 10 s utterances.
argv: hours_seconds segment_seconds filterbank_f64_path first_segment_out_path
Prints JSON {seconds, segments}."""
import json, sys, time
import numpy as np

total_s, seg_s = float(sys.argv[1]), float(sys.argv[2])
fb = np.fromfile(sys.argv[3], dtype="<f8").reshape(64, 801)
sr, n_fft, hop = 16000, 1600, 160
window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)


def synth(start, n):
    i = np.arange(start, start + n, dtype=np.float64)
    f = 150 + 100 * np.sin(2 * np.pi * i / (sr * 3.7))
    x = 0.3 * np.sin(2 * np.pi * f * i / sr) + 0.05 * np.sin(i * 12.9898) * np.sin(i * 0.0007)
    return x.astype(np.float32)


def logmel(y):
    y = np.pad(y, n_fft // 2, mode="reflect")
    n_frames = 1 + (len(y) - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(y, shape=(n_frames, n_fft), strides=(y.strides[0] * hop, y.strides[0]))
    spec = np.fft.rfft(frames * window, axis=1).astype(np.complex64)
    s = np.abs(spec) ** 2
    mel = fb @ s.T.astype(np.float64)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.maximum(db, db.max() - 80).astype(np.float32)


seg = int(seg_s * sr)
total = int(total_s * sr)
t0 = time.perf_counter()
first = None
k = 0
for start in range(0, total, seg):
    out = logmel(synth(start, min(seg, total - start)))
    if first is None:
        first = out
    k += 1
dt = time.perf_counter() - t0
first.tofile(sys.argv[4])
print(json.dumps({"seconds": dt, "segments": k, "numpy": np.__version__}))
