// The core ("") group, v1: one import for all of it. Each kind lives in its own file.
export * from './container.ts';
export * from './pod-spec.ts';
export * from './pod.ts';
export * from './binding.ts';
export * from './node.ts';
export * from './namespace.ts';
export * from './service.ts';
export * from './endpoints.ts';
export * from './config.ts';
export * from './event.ts';
