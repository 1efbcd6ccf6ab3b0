// Per-member performance health from etcd's own Prometheus metrics.
export * from './prom-text';
export * from './histogram';
export * from './scrape';
export * from './figures';
export * from './thresholds';
export * from './findings';
export * from './sampler';
