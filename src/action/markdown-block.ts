// Untrusted text shown verbatim in markdown: a fenced code block whose fence is longer than any
// backtick run inside, so nothing in the text can close it (CommonMark §4.5).
export function codeBlock(text: string): string {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === '`' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text.replaceAll('\r', '')}\n${fence}`;
}
