export class PacedSender {
  constructor(perSecond: number, socket: () => { readyState: number; send(data: string): void } | null);
  send(text: string): void;
  clear(): void;
  stop(): void;
}
