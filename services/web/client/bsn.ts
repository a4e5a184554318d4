/** The BSN field's rules, shared by every screen that asks for one. */
import { isValidBsn } from '@pzp/domain/bsn';

/** Digits only: a pasted "1112.22.333" or "111 222 333" is the same number. */
export const normalizeBsn = (value: string) => value.replace(/[\s.-]/g, '');

export type BsnState = 'empty' | 'incomplete' | 'invalid' | 'valid';

export function bsnState(value: string): BsnState {
  if (value === '') return 'empty';
  if (!/^\d*$/.test(value) || value.length > 9) return 'invalid';
  if (value.length < 9) return 'incomplete';
  return isValidBsn(value) ? 'valid' : 'invalid';
}

/** Marks the field and its hint (the 11-check as you type) and returns the state. */
export function showBsnState(input: HTMLInputElement, hint: HTMLElement): BsnState {
  const value = normalizeBsn(input.value);
  const state = bsnState(value);
  input.setAttribute('aria-invalid', String(state === 'invalid'));
  hint.dataset['state'] = state;
  hint.textContent = {
    empty: '9 cijfers',
    incomplete: `Nog ${9 - value.length} ${9 - value.length === 1 ? 'cijfer' : 'cijfers'}`,
    invalid:
      /^\d*$/.test(value) && value.length <= 9
        ? 'Ongeldig BSN: de elfproef klopt niet'
        : 'Ongeldig BSN: alleen 9 cijfers',
    valid: 'Geldig BSN',
  }[state];
  return state;
}
