// The producer port's contract on kafkajs (see producer-contract.ts).
import { createKafkajsProducer } from '../../src/collector/producer/kafkajs.js';
import { producerContract } from './producer-contract.js';

producerContract('kafkajs', async () => createKafkajsProducer);
