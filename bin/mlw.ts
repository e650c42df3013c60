#!/usr/bin/env node
import { main } from '../cli/program';

void main();
