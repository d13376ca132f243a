import fc from 'fast-check';

// The unit project's setup: FC_SEED=<the seed a failing property printed> replays that run, in any
// property test, without each file reading the environment.
const seed = Number(process.env.FC_SEED);
if (Number.isSafeInteger(seed)) fc.configureGlobal({ seed });
