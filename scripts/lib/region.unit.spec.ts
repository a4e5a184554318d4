import { describe, expect, it } from 'vitest';
import { decide, fold, initialState, isValidBsn, type PzpEvent } from '@pzp/domain';
import { buildRegion, isLongHistory, patientCommands, PatientRun, regionBsn } from './region.js';

const SAMPLE = [0, 1, 2, 3, 17, 42, 99, 123, 256, 311, 499];

describe('the synthetic region', () => {
  it('gives identical command sequences for the same seed', () => {
    const a = buildRegion({ patients: 500, seed: 7 });
    const b = buildRegion({ patients: 500, seed: 7 });
    expect(b.actors).toEqual(a.actors);
    for (const n of SAMPLE) expect(patientCommands(b, n)).toEqual(patientCommands(a, n));
  });

  it('gives different data for a different seed', () => {
    const a = buildRegion({ patients: 500, seed: 7 });
    const b = buildRegion({ patients: 500, seed: 8 });
    const commands = (region: typeof a) => SAMPLE.map((n) => patientCommands(region, n).commands);
    expect(JSON.stringify(commands(b))).not.toEqual(JSON.stringify(commands(a)));
    // The patients stay the same people: only what happens to them differs.
    expect(patientCommands(b, 5).bsn).toBe(patientCommands(a, 5).bsn);
  });

  it('makes each patient independent of the others (batches can be decided anywhere)', () => {
    const region = buildRegion({ patients: 500, seed: 7 });
    const alone = patientCommands(region, 311);
    for (const n of [0, 1, 2]) patientCommands(region, n);
    expect(patientCommands(region, 311)).toEqual(alone);
  });

  it('has every command accepted by decide, with consecutive stream versions', () => {
    const region = buildRegion({ patients: 2000, seed: 1 });
    let events = 0;
    let hapGranted = 0;
    const types = new Set<string>();
    for (let n = 0; n < 2000; n += 7) {
      const run = new PatientRun(region, n);
      const log: PzpEvent[] = [];
      for (let c = run.next(); c; c = run.next()) {
        // Independently of the run's own bookkeeping: the command decided on the folded log.
        expect(c.expectedVersion).toBe(log.length - 1);
        expect(() => decide(c.command, fold(log, initialState))).not.toThrow();
        log.push(...c.events);
        for (const e of c.events) types.add(e.type);
      }
      expect(run.state.version).toBe(log.length - 1);
      expect(log[0]!.type).toBe('PatientIdentified');
      events += log.length;
      if (run.state.plan.sharingConsent.HAP?.decision === 'GRANTED') hapGranted++;
    }
    const patients = Math.ceil(2000 / 7);
    expect(events / patients).toBeGreaterThan(8);
    expect(hapGranted / patients).toBeGreaterThan(0.8);
    for (const t of [
      'ConversationRecorded',
      'TreatmentDirectiveConfirmed',
      'TreatmentDirectiveRevised',
      'RoleEnded',
      'SharingConsentRecorded',
      'PlanReviewRequested',
    ]) {
      expect(types).toContain(t);
    }
  });

  it('gives the long-history patients 200+ events, corrections and handovers included', () => {
    const region = buildRegion({ patients: 2000, seed: 1 });
    expect(isLongHistory(17)).toBe(true);
    const run = new PatientRun(region, 17);
    while (run.next());
    expect(run.state.log.length).toBeGreaterThanOrEqual(200);
    const types = new Set(run.state.log.map((e) => e.type));
    expect(types).toContain('ChangeMarkedEnteredInError');
    expect(types).toContain('RoleEnded');
    const instants = run.state.log.map((e) => e.metadata.recordedAt);
    expect([...instants].sort()).toEqual(instants);
  });

  it('gives valid BSNs, unique per patient', () => {
    const bsns = Array.from({ length: 5000 }, (_, n) => regionBsn(n));
    expect(bsns.every(isValidBsn)).toBe(true);
    expect(new Set(bsns).size).toBe(bsns.length);
  });
});
