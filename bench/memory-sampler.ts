/**
 * Peak memory of this process while a run goes on, sampled every `everyMs` with an unref'd timer
 * (it never keeps the process alive). Sampling can miss a spike shorter than the interval, so the
 * peaks are lower bounds. The Graph double runs in the same process, so its memory is included.
 */

export interface MemoryPeaks {
  /** Resident set size, bytes. */
  peakRssBytes: number;
  /** V8 heap in use, bytes. */
  peakHeapUsedBytes: number;
  /** What the run was doing when each peak was sampled (e.g. `collect`, `evaluate`). */
  phaseAtPeakRss: string;
  phaseAtPeakHeap: string;
  samples: number;
}

export interface MemorySampler {
  stop(): MemoryPeaks;
}

/**
 * @param everyMs sampling interval. @default 50
 * @param phase names what the run is doing, recorded with each peak. @default () => 'run'
 */
export function sampleMemory(everyMs = 50, phase: () => string = () => 'run'): MemorySampler {
  const peaks: MemoryPeaks = { peakRssBytes: 0, peakHeapUsedBytes: 0, phaseAtPeakRss: '', phaseAtPeakHeap: '', samples: 0 };
  const tick = () => {
    const m = process.memoryUsage();
    peaks.samples++;
    if (m.rss > peaks.peakRssBytes) {
      peaks.peakRssBytes = m.rss;
      peaks.phaseAtPeakRss = phase();
    }
    if (m.heapUsed > peaks.peakHeapUsedBytes) {
      peaks.peakHeapUsedBytes = m.heapUsed;
      peaks.phaseAtPeakHeap = phase();
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { ...peaks };
    },
  };
}
