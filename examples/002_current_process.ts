/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "MultiProcessing / 현재 프로세서 정보 확인".
 *
 * Python's output (the post does not show it; the pid differs per run):
 *
 *     MainProcess 12345
 *
 * Ours: the same; the main program's pid is the OS process id. As in the
 * Python program, there is no main guard: nothing here starts a process.
 */

import { currentProcess } from "../mod.ts";

const p = currentProcess();
console.log(p.name, p.pid); // 현재 프로세서의 이름, pid 확인
