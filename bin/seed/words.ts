/** Word lists for names, brands, descriptions and people: enough variety for 10,000 distinct products. */
const brandStarts = [
  'Nord',
  'Lumi',
  'Vero',
  'Alto',
  'Brio',
  'Kestr',
  'Orbi',
  'Sola',
  'Tera',
  'Zeph',
  'Cala',
  'Mira',
  'Pax',
  'Ruvo',
  'Sen',
  'Valo',
  'Wynd',
  'Ardent',
  'Bolt',
  'Crest',
];
const brandEnds = ['wave', 'tek', 'ora', 'line', 'craft', 'io', 'forge', 'mark', 'works', 'labs'];

/** 200 brands: every start with every end (20 × 10), e.g. "Nordwave", "Lumitek". */
export const BRANDS: readonly string[] = brandStarts.flatMap((start) =>
  brandEnds.map((end) => {
    const joined = start.endsWith(end[0]!) ? start + end.slice(1) : start + end;
    return joined[0]!.toUpperCase() + joined.slice(1);
  }),
);

export const ADJECTIVES = [
  'Pro',
  'Compact',
  'Classic',
  'Ultra',
  'Essential',
  'Premium',
  'Everyday',
  'Travel',
  'Studio',
  'Smart',
  'Eco',
  'Max',
  'Lite',
  'Elite',
  'Active',
] as const;
export const SERIES = ['Series 2', 'Mk II', 'X', 'Plus', 'One', 'Air', 'S', 'Edge', 'Neo', 'Go'] as const;
export const COLORS = [
  'Black',
  'White',
  'Graphite',
  'Navy',
  'Forest Green',
  'Sand',
  'Red',
  'Silver',
  'Slate Blue',
  'Olive',
] as const;
export const OPENINGS = [
  'Built for everyday use',
  'Designed with care',
  'A favourite of reviewers',
  'Made to last',
  'Thoughtfully engineered',
  'Our best-selling design',
  'Refined from customer feedback',
] as const;
export const AUDIENCES = [
  'commuters',
  'home offices',
  'beginners and pros alike',
  'families',
  'travellers',
  'small spaces',
  'weekend projects',
] as const;

export const FIRST_NAMES = [
  'Ava',
  'Liam',
  'Noah',
  'Emma',
  'Olivia',
  'Mia',
  'Lucas',
  'Amelia',
  'Ethan',
  'Sofia',
  'Mateo',
  'Zoe',
  'Leo',
  'Nora',
  'Aria',
  'Kai',
  'Ivy',
  'Omar',
  'Yuki',
  'Priya',
  'Chen',
  'Fatima',
  'Diego',
  'Hana',
  'Jonas',
  'Lena',
  'Marco',
  'Ines',
  'Tariq',
  'Elif',
] as const;
export const LAST_NAMES = [
  'Smith',
  'Garcia',
  'Nguyen',
  'Müller',
  'Rossi',
  'Kowalski',
  'Tanaka',
  'Okafor',
  'Silva',
  'Johansson',
  'Patel',
  'Dubois',
  'Kim',
  'Cohen',
  'Novak',
  'Haddad',
  'Martin',
  'Larsen',
  'Costa',
  'Yilmaz',
] as const;
export const CITIES = [
  { city: 'Springfield', state: 'IL', postal_code: '62701' },
  { city: 'Portland', state: 'OR', postal_code: '97205' },
  { city: 'Austin', state: 'TX', postal_code: '73301' },
  { city: 'Boston', state: 'MA', postal_code: '02108' },
  { city: 'Denver', state: 'CO', postal_code: '80202' },
  { city: 'Madison', state: 'WI', postal_code: '53703' },
] as const;
export const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Park Rd', 'Lake View Blvd'] as const;
