export function pool<T, R>(items: T[], limit: number, step: (item: T, index: number) => Promise<R>): Promise<R[]>;
