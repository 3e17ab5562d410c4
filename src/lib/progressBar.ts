// Progress of long CLI work (replay, backtest, export): a bar redrawn in place on a terminal, one
// line per tenth otherwise (a log file or CI output should not fill with carriage returns).
export function progressBar(stream: NodeJS.WriteStream, unit = 'events'): ((done: number, total: number) => void) & { clear(): void } {
  let last = 0
  let lastTenth = -1
  const draw = (done: number, total: number): void => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100)
    if (!stream.isTTY) {
      const tenth = Math.floor(percent / 10)
      if (tenth === lastTenth) return
      lastTenth = tenth
      stream.write(`progress: ${percent}% (${done}/${total} ${unit})\n`)
      return
    }
    const now = Date.now()
    if (now - last < 100 && done < total) return
    last = now
    const width = 30
    const filled = total === 0 ? width : Math.round((done / total) * width)
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}% ${done}/${total} ${unit}`)
  }
  return Object.assign(draw, { clear: () => void (stream.isTTY && stream.write('\r\x1b[K')) })
}
